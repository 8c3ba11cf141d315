package org.gatehouse.server.statements;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.gatehouse.server.errors.InvalidInput;
import org.gatehouse.server.net.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a publisher's JWKS from its URL: https only, to public addresses only (the name resolved
 * once, checked, and those addresses connected to), no redirects, one deadline for the whole
 * exchange, a size limit — so that a JWKS URL cannot be
 * used to probe the server's own machine or network (SSRF). Every failure answers with the same
 * few words: nothing fetched, no status code and no error text of the other side is echoed.
 * Plain http to a loopback address is allowed only with {@code GATEHOUSE_STATEMENT_JWKS_ALLOW_HTTP_LOOPBACK}
 * (for tests and local development).
 */
public final class JwksFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(JwksFetcher.class);
    static final int MAX_BYTES = 256 * 1024;
    static final String REFUSED = "the JWKS URL must be an https URL of a public address";
    static final String FAILED = "the JWKS could not be fetched";
    /**
     * Destinations that are not the public internet (RFC 6890 special-purpose registries): this
     * host, private networks, shared address space, link-local, multicast, reserved, and IPv6
     * prefixes that embed an IPv4 address (6to4, NAT64, IPv4-compatible).
     */
    private static final List<Cidr> NOT_PUBLIC = Cidr.parseList("0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16"
            + " 172.16.0.0/12 192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15 198.51.100.0/24"
            + " 203.0.113.0/24 224.0.0.0/4 240.0.0.0/4 ::/96 ::1/128 64:ff9b::/96 64:ff9b:1::/48 100::/64 2001:db8::/32"
            + " 2002::/16 fc00::/7 fe80::/10 fec0::/10 ff00::/8");

    /** The whole exchange, connect to last byte: a server that drips its answer cannot hold a thread longer. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Name resolution (the system's, or a test's). */
    interface Lookup {
        InetAddress[] all(String host) throws UnknownHostException;
    }

    private final boolean allowHttpLoopback;
    private final Lookup lookup;
    private final Duration deadline;

    /** @param allowHttpLoopback plain http, and loopback destinations, allowed (tests and local development only) */
    public JwksFetcher(boolean allowHttpLoopback) {
        this(allowHttpLoopback, InetAddress::getAllByName, DEADLINE);
    }

    JwksFetcher(boolean allowHttpLoopback, Lookup lookup, Duration deadline) {
        this.allowHttpLoopback = allowHttpLoopback;
        this.lookup = lookup;
        this.deadline = deadline;
    }

    /** Checks a JWKS URL's form before it is stored or fetched (no name is resolved here); InvalidInput on {@code jwks_url}. */
    public URI checkUrl(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (Exception e) {
            throw InvalidInput.of("jwks_url", "the JWKS URL is not a URL");
        }
        if (url.length() > 2000 || u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) {
            throw InvalidInput.of("jwks_url", "the JWKS URL must be an absolute https URL without user info or fragment");
        }
        if ("https".equalsIgnoreCase(u.getScheme())) return u;
        if (allowHttpLoopback && "http".equalsIgnoreCase(u.getScheme())) return u;
        throw InvalidInput.of("jwks_url", "the JWKS URL must use https");
    }

    /** The JWKS document's text; IOException, with one of two fixed messages, for every failure. */
    public String fetch(String url) throws IOException {
        URI u;
        try {
            u = checkUrl(url);
        } catch (InvalidInput e) {
            throw new IOException(REFUSED);
        }
        List<InetAddress> checked = destination(u);
        // Jetty's client connects only to the addresses checked here (no second lookup that a DNS
        // rebinding could answer differently), while TLS still verifies the certificate for the host name.
        HttpClient http = new HttpClient();
        http.setFollowRedirects(false);
        http.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
        http.setSocketAddressResolver((host, port, context, promise) ->
                promise.succeeded(checked.stream().map(a -> new InetSocketAddress(a, port)).toList()));
        try {
            http.start();
        } catch (Exception e) {
            throw failed(u, e.getClass().getSimpleName());
        }
        try {
            Request req = http.newRequest(u).method(HttpMethod.GET)
                    .headers(h -> h.put(HttpHeader.ACCEPT, "application/jwk-set+json, application/json"))
                    .timeout(deadline.toMillis(), TimeUnit.MILLISECONDS); // the total: headers and body
            ContentResponse r;
            try {
                r = new CompletableResponseListener(req, MAX_BYTES).send().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                req.abort(e);
                throw failed(u, "interrupted");
            } catch (ExecutionException e) {
                Throwable why = e.getCause() == null ? e : e.getCause();
                if (why instanceof IllegalArgumentException && String.valueOf(why.getMessage()).contains("exceeded")) { // Jetty: "Buffering capacity N exceeded"
                    throw new IOException("the JWKS is larger than " + MAX_BYTES + " bytes");
                }
                throw failed(u, why instanceof TimeoutException ? "no complete answer within " + deadline.toSeconds() + " s"
                        : why.getClass().getSimpleName());
            }
            if (r.getStatus() != 200) throw failed(u, "HTTP " + r.getStatus() + " (redirects are not followed)");
            return new String(r.getContent(), StandardCharsets.UTF_8);
        } finally {
            try {
                http.stop();
            } catch (Exception e) {
                LOG.debug("stopping the JWKS client failed", e);
            }
        }
    }

    /** The operator's log gets the host and the kind of failure; the caller gets the fixed message. */
    private static IOException failed(URI u, String why) {
        LOG.warn("JWKS fetch from {} failed: {}", u.getHost(), why);
        return new IOException(FAILED);
    }

    /**
     * Resolves the host once and refuses it when any of its addresses is not public; the fetch then
     * connects to these addresses and no others (DNS rebinding: a second lookup could answer with
     * another address than the one checked).
     */
    List<InetAddress> destination(URI u) throws IOException {
        InetAddress[] all;
        try {
            all = lookup.all(u.getHost());
        } catch (UnknownHostException | SecurityException e) {
            throw new IOException(FAILED);
        }
        if (all == null || all.length == 0) throw new IOException(FAILED);
        boolean plainHttp = "http".equalsIgnoreCase(u.getScheme());
        for (InetAddress a : all) {
            boolean ok = allowHttpLoopback && a.isLoopbackAddress() || !plainHttp && isPublic(a);
            if (!ok) throw new IOException(REFUSED);
        }
        return List.of(all);
    }

    static boolean isPublic(InetAddress a) {
        return !(a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress() || Cidr.anyContains(NOT_PUBLIC, a.getHostAddress()));
    }
}
