package org.gatehouse.server.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.gatehouse.server.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's package structure, read from its compiled classes (ArchUnit's importer; issue 14, Must 1–2):
 * no package cycle, and no portal or API class touching {@code store/} except through the services.
 *
 * <p>Today's violations are frozen in the two allow-lists below, each entry named. The test fails on any new
 * violation AND on any entry that no longer occurs, so the lists only shrink: when you remove a dependency, remove
 * its entry.
 */
class PackageDependencyTest {
    private static final String ROOT = "org.gatehouse.server";

    /**
     * Package dependencies that are part of a cycle today (an edge inside a strongly connected group of packages),
     * "from → to", with who makes them. {@code (root)} is {@code org.gatehouse.server} itself (the Gatehouse container).
     */
    private static final Map<String, String> CYCLE_EDGES_ALLOWED = Map.ofEntries(
            // The container cycle: handlers (api, portal, http, cli) take the whole Gatehouse container, which builds them
            // (issue 14 Must 1: handlers get the services they need).
            Map.entry("(root) → api", "Gatehouse uses ApiTokens"),
            Map.entry("(root) → cli", "Main uses AdminCommand, AuditCommand, ConfigCommand, Console, DbCommand, HealthCommand, IatCommand, InstallationsCommand, KeysCommand, PublisherCommand, ResourceServerCommand, ServeCommand, StatementCommand"),
            Map.entry("(root) → http", "GatehouseServer uses GracefulStop, HttpServer, Operations, ServerTls"),
            Map.entry("api → (root)", "Api uses Gatehouse"),
            Map.entry("cli → (root)", "AdminCommand uses Gatehouse; AuditCommand uses Gatehouse; DbCommand uses Gatehouse; IatCommand uses Gatehouse; InstallationsCommand uses Gatehouse; KeysCommand uses Gatehouse; PublisherCommand uses Gatehouse; ResourceServerCommand uses Gatehouse; ServeCommand uses Gatehouse, GatehouseServer"),
            Map.entry("cli → ops", "ConfigCommand uses ConfigCheck"),
            Map.entry("http → (root)", "HttpServer uses Gatehouse; Operations uses Gatehouse"),
            Map.entry("http → api", "HttpServer uses Api"),
            Map.entry("http → portal", "HttpServer uses Portal"),
            Map.entry("ops → http", "ConfigCheck uses ServerTls"),
            Map.entry("portal → (root)", "AdminPages uses Gatehouse; ApiTokenPages uses Gatehouse; IssuerPages uses Gatehouse; Portal uses Gatehouse; SecurityKeyPages uses Gatehouse; SignInPages uses Gatehouse"),
            Map.entry("portal → api", "ApiTokenPages uses ApiTokens"));

    /** Portal and API classes that use {@code store/} types directly, and exactly which (issue 14: only through services). */
    private static final Map<String, Set<String>> STORE_USE_ALLOWED = Map.ofEntries(
            Map.entry("api.Api", Set.of("store.AccountStore", "store.AuditStore", "store.Database", "store.InstallationStore", "store.PortalStore")),
            Map.entry("api.ApiTokens", Set.of("store.AccountStore", "store.ApiTokenStore", "store.Database")),
            Map.entry("portal.AdminPages", Set.of("store.AccountStore", "store.AuditStore", "store.Database", "store.InstallationStore", "store.PortalStore")),
            Map.entry("portal.ApiTokenPages", Set.of("store.ApiTokenStore")),
            Map.entry("portal.IssuerPages", Set.of("store.Database", "store.InstallationStore", "store.PortalStore")),
            Map.entry("portal.Portal", Set.of("store.AccountStore")),
            Map.entry("portal.SecurityKeyPages", Set.of("store.WebAuthnStore")),
            Map.entry("portal.SignInPages", Set.of("store.AccountStore")),
            // The precompiled jte templates (portal/templates, issue 14 Must 4) read a few of the stores' constants.
            Map.entry("portal.JteaccountsGenerated", Set.of("store.AccountStore")),
            Map.entry("portal.JteapitokensGenerated", Set.of("store.ApiTokenStore")),
            Map.entry("portal.JteauditGenerated", Set.of("store.AuditStore")),
            Map.entry("portal.JtekeysGenerated", Set.of("store.WebAuthnStore")),
            Map.entry("portal.JtesetupGenerated", Set.of("store.AccountStore")),
            Map.entry("portal.JtesignedInGenerated", Set.of("store.AccountStore")));

    private static JavaClasses classes;

    @BeforeAll
    static void importServer() throws Exception {
        // Only the server's own compiled classes (target/classes), without resolving the libraries they use: the
        // package names of the classes they reference are all this test needs, and scanning every jar takes long.
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        Path serverClasses = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        classes = new ClassFileImporter().importPath(serverClasses);
        assertThat(classes.size()).as("server classes found").isGreaterThan(100);
    }

    /** The first package segment under org.gatehouse.server, or "(root)"; null outside the server. */
    static String pkg(JavaClass c) {
        String p = c.getPackageName();
        if (p.equals(ROOT)) return "(root)";
        if (!p.startsWith(ROOT + ".")) return null;
        String rest = p.substring(ROOT.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /** "pkg.TopLevelClass" for a class and its nested and anonymous classes. */
    static String owner(JavaClass c) {
        String name = c.getName().substring(c.getPackageName().length() + 1);
        int dollar = name.indexOf('$');
        return pkg(c) + "." + (dollar < 0 ? name : name.substring(0, dollar));
    }

    /** Package → package → the "Class → Class" pairs that make that dependency. */
    static Map<String, Map<String, Set<String>>> packageGraph(JavaClasses classes) {
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        for (JavaClass c : classes) {
            String from = pkg(c);
            if (from == null) continue;
            graph.computeIfAbsent(from, k -> new TreeMap<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass().getBaseComponentType();
                String to = pkg(target);
                if (to == null || to.equals(from)) continue;
                graph.get(from).computeIfAbsent(to, k -> new TreeSet<>()).add(owner(c) + " → " + owner(target));
            }
        }
        return graph;
    }

    /** Tarjan's strongly connected components; only those of two or more packages (a cycle). */
    static List<Set<String>> cycles(Map<String, Map<String, Set<String>>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) strongConnect(v, graph, index, low, stack, onStack, out, next);
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]);
        next[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, out, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) out.add(component);
        }
    }

    /** "from → to" for every dependency between two packages of the same cycle, with the classes that make it. */
    static Map<String, Set<String>> cycleEdges(Map<String, Map<String, Set<String>>> graph) {
        Map<String, Set<String>> edges = new TreeMap<>();
        for (Set<String> component : cycles(graph)) {
            for (String from : component) {
                graph.getOrDefault(from, Map.of()).forEach((to, why) -> {
                    if (component.contains(to)) edges.put(from + " → " + to, why);
                });
            }
        }
        return edges;
    }

    @Test
    void noNewPackageCycleAndTheAllowListOnlyShrinks() {
        Map<String, Set<String>> edges = cycleEdges(packageGraph(classes));
        List<String> problems = new ArrayList<>();
        edges.forEach((edge, why) -> {
            if (!CYCLE_EDGES_ALLOWED.containsKey(edge)) problems.add("new dependency in a package cycle: " + edge + " (" + why + ")");
        });
        CYCLE_EDGES_ALLOWED.keySet().stream().sorted().filter(e -> !edges.containsKey(e))
                .forEach(e -> problems.add("no longer in a cycle, remove it from CYCLE_EDGES_ALLOWED: " + e));
        assertThat(problems).as("package cycles (%s)", cycles(packageGraph(classes))).isEmpty();
    }

    @Test
    void portalAndApiReachTheStoreOnlyThroughServices() {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (JavaClass c : classes) {
            String p = pkg(c);
            if (!"portal".equals(p) && !"api".equals(p)) continue;
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass().getBaseComponentType();
                if ("store".equals(pkg(target))) uses.computeIfAbsent(owner(c), k -> new TreeSet<>()).add(owner(target));
            }
        }
        List<String> problems = new ArrayList<>();
        uses.forEach((cls, stores) -> {
            Set<String> allowed = STORE_USE_ALLOWED.getOrDefault(cls, Set.of());
            Set<String> added = new TreeSet<>(stores);
            added.removeAll(allowed);
            if (!added.isEmpty()) problems.add(cls + " now uses " + added + ": go through a service");
        });
        STORE_USE_ALLOWED.forEach((cls, allowed) -> {
            Set<String> gone = new TreeSet<>(allowed);
            gone.removeAll(uses.getOrDefault(cls, Set.of()));
            if (!gone.isEmpty()) problems.add(cls + " no longer uses " + gone + ": remove it from STORE_USE_ALLOWED");
        });
        assertThat(problems).as("portal/api → store (today: %s)", uses).isEmpty();
    }
}
