package org.gatehouse.server.net;

import java.util.List;

/**
 * Where a request comes from: the socket's peer, or the address a trusted proxy reports in
 * X-Forwarded-For. The header is believed only when the peer is a configured trusted proxy, and
 * it is read from the right, skipping further trusted proxies (the GPII system trusted it blindly).
 * All lines of the header count, in order, as one list (RFC 9110 §5.3): a proxy that appends a line
 * of its own (HAProxy's {@code option forwardfor}) leaves the client's forged first line on the left,
 * where it is never reached. The standard {@code Forwarded} header (RFC 7239) is not read: a proxy
 * that sends only it makes every request look as if it came from the proxy (safe, never forged).
 */
public final class ClientAddress {
    private final List<Cidr> trustedProxies;

    public ClientAddress(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** The client's address, from the socket's peer and every X-Forwarded-For line in the order received. */
    public String resolve(String socketPeer, List<String> forwardedForLines) {
        if (trustedProxies.isEmpty() || forwardedForLines == null || forwardedForLines.isEmpty()
                || !Cidr.anyContains(trustedProxies, socketPeer)) {
            return socketPeer;
        }
        String[] hops = String.join(",", forwardedForLines).split(",", -1);
        String candidate = socketPeer;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (hop.isEmpty()) break;
            try {
                Cidr.literal(hop);
            } catch (IllegalArgumentException e) {
                break; // a malformed entry: stop at the last address we can trust
            }
            candidate = hop;
            if (!Cidr.anyContains(trustedProxies, hop)) break;
        }
        return candidate;
    }
}
