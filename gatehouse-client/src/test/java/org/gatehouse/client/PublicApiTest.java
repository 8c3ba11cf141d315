package org.gatehouse.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 Must 5: the library's internals are not public API. Scans every class of the library
 * (the jar, or the classes directory the tests run from) by reflection and fails when one of the
 * internals becomes public again, so that a change cannot widen the API by accident.
 */
class PublicApiTest {
    /** Classes that must never be public: the JSON codec, HTTP plumbing, OS commands, discovery. */
    private static final Set<String> INTERNAL_CLASSES = Set.of("Json", "Http", "JdkTransport", "CommandRunner", "ServerMetadata",
            "Events", "Jwk");
    /**
     * Members of public classes that must never be public: the store's lock, raw save and rotation steps;
     * the secret material of {@link Credentials} (client secret, registration access token, the key pair
     * that holds the private key) and its serialisation; the raw PKCS#8 private key of {@link ClientKey}.
     */
    private static final Map<String, Set<String>> INTERNAL_METHODS = Map.of(
            "CredentialStore", Set.of("lock", "save", "beginRotation", "recoverPending", "abandonPending", "hasPending"),
            "Credentials", Set.of("clientSecret", "registrationAccessToken", "key", "credentialId", "toJson", "fromJson",
                    "withRotated", "withKey", "registeredMetadata"),
            "ClientKey", Set.of("pkcs8", "fromStored"));
    /** Public classes that callers receive but must never construct: only the library creates credentials. */
    private static final Set<String> NOT_CONSTRUCTIBLE = Set.of("Credentials");
    /** Types that hold the private key; no public method of those classes may return one. */
    private static final Set<Class<?>> SECRET_TYPES = Set.of(ClientKey.class, java.security.PrivateKey.class);

    private static List<Class<?>> libraryClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path location = Path.of(GatehouseClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> out = new ArrayList<>();
        if (Files.isDirectory(location)) {
            collect(location, out);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                collect(jar.getPath("/"), out);
            }
        }
        return out;
    }

    private static void collect(Path root, List<Class<?>> out) throws IOException, ClassNotFoundException {
        Path pkg = root.resolve("org/gatehouse/client");
        try (Stream<Path> files = Files.walk(pkg)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replace('\\', '.');
                out.add(Class.forName(name.substring(0, name.length() - ".class".length()), false, PublicApiTest.class.getClassLoader()));
            }
        }
    }

    @Test
    void internalsAreNotPublic() throws Exception {
        List<Class<?>> classes = libraryClasses();
        assertThat(classes).extracting(Class::getSimpleName).contains("GatehouseClient", "Json", "CredentialStore", "Credentials");
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : classes) {
            if (!c.getPackageName().equals("org.gatehouse.client")) continue; // the CLI's own classes
            boolean visible = Modifier.isPublic(c.getModifiers())
                    && (c.getEnclosingClass() == null || Modifier.isPublic(c.getEnclosingClass().getModifiers()));
            if (INTERNAL_CLASSES.contains(c.getSimpleName()) && visible) leaks.add("class " + c.getName());
            if (!visible) continue;
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && INTERNAL_METHODS.getOrDefault(c.getSimpleName(), Set.of()).contains(m.getName())) {
                    leaks.add(c.getSimpleName() + "." + m.getName());
                }
            }
            // Nothing public may hand out the JSON codec or the HTTP plumbing either.
            for (Method m : c.getMethods()) {
                if (m.getDeclaringClass() != c) continue;
                for (Class<?> t : Stream.concat(Stream.of(m.getReturnType()), Stream.of(m.getParameterTypes())).toList()) {
                    if (INTERNAL_CLASSES.contains(t.getSimpleName()) && t.getPackageName().equals("org.gatehouse.client")) {
                        leaks.add(c.getSimpleName() + "." + m.getName() + " uses " + t.getSimpleName());
                    }
                }
            }
            // A record's accessors and canonical constructor are always public: Credentials must stay a class.
            if (NOT_CONSTRUCTIBLE.contains(c.getSimpleName()) && c.isRecord()) leaks.add(c.getSimpleName() + " is a record");
            if (NOT_CONSTRUCTIBLE.contains(c.getSimpleName())) {
                for (Constructor<?> k : c.getConstructors()) leaks.add(c.getSimpleName() + " public constructor " + k);
                for (Method m : c.getMethods()) {
                    if (m.getDeclaringClass() == c && SECRET_TYPES.contains(m.getReturnType())) {
                        leaks.add(c.getSimpleName() + "." + m.getName() + " returns " + m.getReturnType().getSimpleName());
                    }
                }
            }
            for (Constructor<?> k : c.getConstructors()) {
                for (Class<?> t : k.getParameterTypes()) {
                    if (INTERNAL_CLASSES.contains(t.getSimpleName()) && t.getPackageName().equals("org.gatehouse.client")) {
                        leaks.add(c.getSimpleName() + " constructor uses " + t.getSimpleName());
                    }
                }
            }
        }
        assertThat(leaks).as("internals that are public API").isEmpty();
        assertThat(Modifier.isPublic(Json.class.getModifiers())).isFalse();
        assertThat(Modifier.isPublic(CredentialStore.class.getDeclaredMethod("lock").getModifiers())).isFalse();
        assertThat(Modifier.isPublic(CredentialStore.class.getDeclaredMethod("save", Credentials.class).getModifiers())).isFalse();
        // Issue 15 Must 5: callers read what identifies an installation, never its secret material.
        assertThat(Credentials.class.getConstructors()).isEmpty();
        assertThat(Modifier.isPublic(Credentials.class.getDeclaredMethod("clientSecret").getModifiers())).isFalse();
        assertThat(Modifier.isPublic(Credentials.class.getDeclaredMethod("key").getModifiers())).isFalse();
        assertThat(Modifier.isPublic(Credentials.class.getDeclaredMethod("clientId").getModifiers())).isTrue();
        assertThat(Modifier.isPublic(Credentials.class.getDeclaredMethod("keyId").getModifiers())).isTrue();
    }
}
