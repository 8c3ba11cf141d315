package org.gatehouse.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The machine id sources of DESIGN §2, one per OS, each with its parser exposed for fixture tests. */
public final class MachineIds {
    /**
     * systemd machine-id(5): 32 hex digits (lowercase as systemd writes them; upper case, seen in
     * hand-made images, is accepted and kept as it is, like every other OS's value); "uninitialized"
     * during first boot.
     */
    private static final Pattern LINUX_ID = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern WINDOWS_GUID = Pattern.compile(
            "^\\s*MachineGuid\\s+REG_SZ\\s+([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\\s*$",
            Pattern.MULTILINE);
    private static final Pattern MAC_UUID = Pattern.compile(
            "\"IOPlatformUUID\"\\s*=\\s*\"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\"");

    /**
     * {@code reg query}, forcing the 64-bit registry view so a 32-bit JVM reads the same value. The
     * tools are run by absolute path, never looked up in PATH (which another program could shadow).
     */
    public static final List<String> WINDOWS_COMMAND =
            List.of(windowsReg(), "query", "HKLM\\SOFTWARE\\Microsoft\\Cryptography", "/v", "MachineGuid", "/reg:64");
    public static final List<String> MAC_COMMAND = List.of("/usr/sbin/ioreg", "-rd1", "-c", "IOPlatformExpertDevice");
    public static final List<Path> LINUX_FILES = List.of(Path.of("/etc/machine-id"), Path.of("/var/lib/dbus/machine-id"));

    private MachineIds() {
    }

    /** %SystemRoot%\System32\reg.exe (C:\Windows when SystemRoot is not an absolute path). */
    private static String windowsReg() {
        String root = System.getenv("SystemRoot");
        if (root == null || !root.matches("[A-Za-z]:\\\\[^\"<>|?*]*")) root = "C:\\Windows";
        return root + "\\System32\\reg.exe";
    }

    /** The source for the OS this JVM runs on. */
    public static MachineIdSource system() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) return windows(CommandRunner.system());
        if (os.startsWith("mac") || os.startsWith("darwin")) return mac(CommandRunner.system());
        return linux(LINUX_FILES);
    }

    /** Linux and other systemd/D-Bus systems: the first of the files that holds a machine id. */
    public static MachineIdSource linux(List<Path> files) {
        return () -> {
            for (Path f : files) {
                String text;
                try {
                    text = Files.readString(f, StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    continue;
                } catch (IOException e) {
                    throw new MachineIdException("cannot read machine id from " + f + ": " + e.getMessage(), e);
                }
                String id = parseLinux(text);
                if (id != null) return id;
            }
            throw new MachineIdException("no machine id found in " + files
                    + " (run systemd-machine-id-setup or dbus-uuidgen --ensure)");
        };
    }

    /** Windows: HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid. */
    static MachineIdSource windows(CommandRunner runner) {
        return () -> {
            String out = run(runner, WINDOWS_COMMAND);
            String id = parseWindows(out);
            if (id == null) throw new MachineIdException("no MachineGuid in the output of reg query");
            return id;
        };
    }

    /** macOS: IOPlatformUUID of the IOPlatformExpertDevice. */
    static MachineIdSource mac(CommandRunner runner) {
        return () -> {
            String out = run(runner, MAC_COMMAND);
            String id = parseMac(out);
            if (id == null) throw new MachineIdException("no IOPlatformUUID in the output of ioreg");
            return id;
        };
    }

    /** A fixed value (an application that has its own stable machine id). */
    public static MachineIdSource fixed(String machineId) {
        if (machineId == null || machineId.isBlank()) throw new IllegalArgumentException("machine id must not be blank");
        String id = machineId.strip();
        return () -> id;
    }

    /** @return the id in a machine-id file, or null when the file holds none (empty, "uninitialized"). */
    public static String parseLinux(String fileText) {
        String id = fileText.strip();
        return LINUX_ID.matcher(id).matches() ? id : null;
    }

    /** @return the MachineGuid in {@code reg query} output, or null. */
    public static String parseWindows(String regOutput) {
        Matcher m = WINDOWS_GUID.matcher(regOutput);
        return m.find() ? m.group(1) : null;
    }

    /** @return the IOPlatformUUID in {@code ioreg -rd1 -c IOPlatformExpertDevice} output, or null. */
    public static String parseMac(String ioregOutput) {
        Matcher m = MAC_UUID.matcher(ioregOutput);
        return m.find() ? m.group(1) : null;
    }

    private static String run(CommandRunner runner, List<String> command) {
        try {
            return runner.run(command);
        } catch (IOException e) {
            throw new MachineIdException("cannot read the machine id with " + command.get(0) + ": " + e.getMessage(), e);
        }
    }
}
