package org.gatehouse.server.net;

import java.util.List;

/**
 * Where a request comes from: the socket's peer, or the address a trusted proxy reports in
 * X-Forwarded-For. The header is believed only when the peer is a configured trusted proxy, and
 * it is read from the right, skipping further trusted proxies (the GPII system trusted it blindly).
 */
public final class ClientAddress {
    private final List<Cidr> trustedProxies;

    public ClientAddress(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    public String resolve(String socketPeer, String forwardedFor) {
        if (trustedProxies.isEmpty() || forwardedFor == null || !Cidr.anyContains(trustedProxies, socketPeer)) {
            return socketPeer;
        }
        String[] hops = forwardedFor.split(",");
        String candidate = socketPeer;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (hop.isEmpty()) break;
            try {
                Cidr.parse(hop);
            } catch (IllegalArgumentException e) {
                break; // a malformed entry: stop at the last address we can trust
            }
            candidate = hop;
            if (!Cidr.anyContains(trustedProxies, hop)) break;
        }
        return candidate;
    }
}
