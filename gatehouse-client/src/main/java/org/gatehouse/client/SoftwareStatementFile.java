package org.gatehouse.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The software statement (RFC 7591 §2.3) shipped next to a token file: the first of
 * {@code <token file name without .json>.statement.jwt} and {@code software_statement.jwt} in the
 * token file's directory. It is a signed claim by the software's publisher, not a secret; the
 * server verifies it. A file that is there but is not a compact JWS fails enrolment (fail closed).
 */
public final class SoftwareStatementFile {
    public static final String DEFAULT_NAME = "software_statement.jwt";
    public static final String SUFFIX = ".statement.jwt";
    private static final int MAX_BYTES = 16 * 1024;
    private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

    private SoftwareStatementFile() {
    }

    /** Where a statement for this token file is looked for, in order. */
    public static List<Path> candidates(Path tokenFile) {
        Path abs = tokenFile.toAbsolutePath();
        String name = abs.getFileName().toString();
        String base = name.toLowerCase(java.util.Locale.ROOT).endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return List.of(abs.resolveSibling(base + SUFFIX), abs.resolveSibling(DEFAULT_NAME));
    }

    /** The statement next to the token file, if there is one. */
    public static Optional<String> find(Path tokenFile) {
        for (Path p : candidates(tokenFile)) {
            if (Files.isRegularFile(p)) return Optional.of(read(p));
        }
        return Optional.empty();
    }

    static String read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) throw new TokenFileException("software statement " + file + " is too large");
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString().strip();
            if (!COMPACT_JWS.matcher(text).matches()) {
                throw new TokenFileException("software statement " + file + " is not a signed JWT (three base64url parts separated by dots)");
            }
            return text;
        } catch (CharacterCodingException e) {
            throw new TokenFileException("software statement " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new TokenFileException("cannot read software statement " + file + ": " + e.getMessage(), e);
        }
    }
}
