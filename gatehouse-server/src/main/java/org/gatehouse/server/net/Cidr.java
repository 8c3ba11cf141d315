package org.gatehouse.server.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.gatehouse.server.errors.InvalidInput;

/** An IPv4 or IPv6 address range in CIDR notation (RFC 4632, RFC 4291 §2.3). */
public final class Cidr {
    /** RFC 6874 §2: a zone id is made of unreserved characters. */
    private static final Pattern ZONE_ID = Pattern.compile("[A-Za-z0-9._~\\-]{1,32}");
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /** Parses "10.0.0.0/8", "2001:db8::/32" or a single address. Never resolves names. */
    public static Cidr parse(String s) {
        String t = s.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] literal = literal(addr);
        byte[] bytes = unmapIpv4(literal);
        // An IPv4-mapped range (RFC 4291 §2.5.5.2) is the IPv4 range it maps: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
        int mapped = bytes.length == literal.length ? 0 : 96;
        int max = bytes.length * 8;
        String bits = slash < 0 ? null : t.substring(slash + 1);
        if (bits != null && !bits.matches("[0-9]{1,3}")) throw new IllegalArgumentException("'" + s + "' is not a CIDR range");
        int prefix = bits == null ? max : Integer.parseInt(bits) - mapped;
        if (prefix < 0 || prefix > max) throw new IllegalArgumentException("'" + s + "' has a prefix length out of range");
        byte[] net = mask(bytes, prefix);
        return new Cidr(net, prefix, toText(net, prefix));
    }

    /** Parses a space- or comma-separated list; empty or null gives an empty list. */
    public static List<Cidr> parseList(String s) {
        List<Cidr> out = new ArrayList<>();
        if (s == null) return out;
        for (String part : s.split("[\\s,]+")) {
            if (!part.isEmpty()) out.add(parse(part));
        }
        return out;
    }

    /** How many ranges a person may give in one list (a token's allowed addresses). */
    public static final int MAX_INPUT_RANGES = 50;

    /**
     * A list a person typed (space- or comma-separated): every entry is checked and every bad one named
     * at once, under {@code field}. {@link #parse} stays for configuration, whose errors name the setting.
     *
     * @throws InvalidInput with one message for {@code field} listing all entries that are not ranges
     */
    public static List<Cidr> parseInput(String field, String s) {
        List<Cidr> out = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        if (s == null) return out;
        int entries = 0;
        for (String part : s.split("[\\s,]+")) {
            if (part.isEmpty()) continue;
            entries++;
            try {
                out.add(parse(part));
            } catch (IllegalArgumentException e) {
                bad.add(shown(part));
            }
        }
        if (entries > MAX_INPUT_RANGES) throw InvalidInput.of(field, "Enter at most " + MAX_INPUT_RANGES + " address ranges.");
        if (!bad.isEmpty()) {
            throw InvalidInput.of(field, (bad.size() == 1 ? "This is not an address range: " : "These are not address ranges: ")
                    + String.join(", ", bad) + ". Write a range as 192.0.2.0/24 or 2001:db8::/32.");
        }
        return out;
    }

    /** An entry echoed in a message: printable ASCII (others as '?'), at most 60 characters (Text.printable's rule; net stays below text). */
    private static String shown(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 60; i++) {
            char ch = s.charAt(i);
            b.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        return s.length() > 60 ? b + "\u2026" : b.toString();
    }

    public boolean contains(String address) {
        byte[] a;
        try {
            a = literal(address);
        } catch (IllegalArgumentException e) {
            return false;
        }
        a = unmapIpv4(a);
        if (a.length != network.length) return false;
        byte[] m = mask(a, prefix);
        return java.util.Arrays.equals(m, network);
    }

    /** The ranges as their normalised text, space-separated (as stored and as audit details show them). */
    public static String joined(List<Cidr> ranges) {
        StringBuilder b = new StringBuilder();
        for (Cidr c : ranges) {
            if (b.length() > 0) b.append(' ');
            b.append(c.text);
        }
        return b.toString();
    }

    public static boolean anyContains(List<Cidr> ranges, String address) {
        for (Cidr c : ranges) {
            if (c.contains(address)) return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * The bytes of an IPv4 (dotted quad, RFC 791) or IPv6 (RFC 4291 §2.2) literal, parsed here by
     * hand: {@code InetAddress.getByName} would send anything it does not take for a literal (such as
     * "dead.beef.cafe.be") to the resolver, and the JDK's resolver-free {@code InetAddress.ofLiteral}
     * needs Java 22. IPv4 parts are decimal without leading zeros (no octal surprises); an IPv6 zone
     * id ("%eth0", RFC 4007 §11) is accepted and dropped; brackets are accepted around IPv6.
     */
    static byte[] literal(String addr) {
        String a = addr;
        if (a.length() > 80) throw new IllegalArgumentException("'" + addr.substring(0, 20) + "…' is not an IP address");
        if (a.startsWith("[") && a.endsWith("]") && a.length() > 2) a = a.substring(1, a.length() - 1);
        byte[] out = a.indexOf(':') >= 0 ? ipv6(a) : ipv4(a);
        if (out == null) throw new IllegalArgumentException("'" + addr + "' is not an IP address");
        return out;
    }

    private static byte[] ipv4(String a) {
        byte[] out = new byte[4];
        int part = 0;
        int start = 0;
        for (int i = 0; i <= a.length(); i++) {
            if (i < a.length() && a.charAt(i) != '.') continue;
            if (part == 4) return null;
            int value = decimalOctet(a, start, i);
            if (value < 0) return null;
            out[part++] = (byte) value;
            start = i + 1;
        }
        return part == 4 ? out : null;
    }

    /** 0..255 written in decimal between from and to, without a leading zero; -1 otherwise. */
    private static int decimalOctet(String a, int from, int to) {
        int len = to - from;
        if (len < 1 || len > 3 || (len > 1 && a.charAt(from) == '0')) return -1;
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = a.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v <= 255 ? v : -1;
    }

    private static byte[] ipv6(String text) {
        String a = text;
        int zone = a.indexOf('%');
        if (zone >= 0) {
            if (!ZONE_ID.matcher(a.substring(zone + 1)).matches()) return null;
            a = a.substring(0, zone);
        }
        int gap = a.indexOf("::");
        if (gap >= 0 && a.indexOf("::", gap + 1) >= 0) return null; // "::" at most once
        byte[] head = gap < 0 ? groups(a, true) : groups(a.substring(0, gap), false);
        byte[] tail = gap < 0 ? new byte[0] : groups(a.substring(gap + 2), true);
        if (head == null || tail == null) return null;
        int filled = head.length + tail.length;
        if (gap < 0 ? filled != 16 : filled > 14) return null; // "::" stands for at least one zero group
        byte[] out = new byte[16];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, 16 - tail.length, tail.length);
        return out;
    }

    /** Colon-separated groups of 1–4 hex digits; the last may be a dotted quad when {@code last}. */
    private static byte[] groups(String a, boolean last) {
        if (a.isEmpty()) return new byte[0];
        String[] parts = a.split(":", -1);
        byte[] out = new byte[16];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (last && i == parts.length - 1 && p.indexOf('.') >= 0) {
                byte[] v4 = ipv4(p);
                if (v4 == null || n + 4 > 16) return null;
                System.arraycopy(v4, 0, out, n, 4);
                n += 4;
                continue;
            }
            if (p.isEmpty() || p.length() > 4 || n + 2 > 16) return null;
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = Character.digit(p.charAt(k), 16);
                if (d < 0 || p.charAt(k) > 'f') return null; // ASCII hex only
                v = v * 16 + d;
            }
            out[n++] = (byte) (v >> 8);
            out[n++] = (byte) v;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static byte[] unmapIpv4(byte[] a) {
        if (a.length != 16) return a;
        for (int i = 0; i < 10; i++) if (a[i] != 0) return a;
        if (a[10] != (byte) 0xff || a[11] != (byte) 0xff) return a;
        return new byte[] {a[12], a[13], a[14], a[15]};
    }

    private static byte[] mask(byte[] a, int prefix) {
        byte[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - bits)));
        }
        return out;
    }

    private static String toText(byte[] net, int prefix) {
        try {
            String a = InetAddress.getByAddress(net).getHostAddress();
            return a + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
