package org.gatehouse.server.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 address range in CIDR notation (RFC 4632, RFC 4291 §2.3). */
public final class Cidr {
    private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]{2,45}");
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
        byte[] bytes = literal(addr);
        int max = bytes.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a CIDR range");
        }
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

    private static byte[] literal(String addr) {
        String a = addr.startsWith("[") && addr.endsWith("]") ? addr.substring(1, addr.length() - 1) : addr;
        int zone = a.indexOf('%');
        if (zone >= 0) a = a.substring(0, zone);
        if (!LITERAL.matcher(a).matches() || (a.indexOf(':') < 0 && a.chars().filter(c -> c == '.').count() != 3)) {
            throw new IllegalArgumentException("'" + addr + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(a).getAddress(); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + addr + "' is not an IP address");
        }
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
