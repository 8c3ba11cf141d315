package org.gatehouse.server.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.gatehouse.server.net.Cidr;

/**
 * The PROXY protocol, v1 and v2 (HAProxy's specification, proxy-protocol.txt), for TLS pass-through balancers that
 * cannot add X-Forwarded-For: Jetty's {@link ProxyConnectionFactory} reads the header a connection starts with
 * and reports the client's address as the peer. Only the balancers named by GATEHOUSE_PROXY_PROTOCOL_FROM may
 * send one: a request on a connection whose real peer is anyone else and that began with a PROXY header is
 * refused (400), so no client can choose the address its requests are attributed to. Connections without the
 * header are served as usual (health checks, direct access).
 */
final class ProxyProtocol implements HttpConfiguration.Customizer {
    private final List<Cidr> trusted;

    ProxyProtocol(List<Cidr> trusted) {
        this.trusted = trusted;
    }

    /** The factory to put first on a connector; next is the protocol that follows the header (http/1.1 or SSL). */
    static ProxyConnectionFactory factory(String next) {
        return new ProxyConnectionFactory(next);
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (endPoint instanceof ProxyConnectionFactory.ProxyEndPoint proxied && !trusted(proxied.unwrap().getRemoteSocketAddress())) {
            throw new BadMessageException(400, "PROXY protocol header from an address not in GATEHOUSE_PROXY_PROTOCOL_FROM");
        }
        return request;
    }

    private boolean trusted(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                && Cidr.anyContains(trusted, inet.getAddress().getHostAddress());
    }
}
