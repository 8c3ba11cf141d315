package org.gatehouse.server.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.gatehouse.server.config.Config;
import org.gatehouse.server.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS served by Gatehouse itself, from PEM files: a certificate chain (GATEHOUSE_TLS_CERT) and an
 * unencrypted PKCS#8 private key (GATEHOUSE_TLS_KEY, "BEGIN PRIVATE KEY"). The files are re-read every
 * GATEHOUSE_TLS_RELOAD; when they changed and the key matches the certificate, new handshakes use them
 * (existing connections keep theirs). A half-written renewal is ignored until both files match again.
 */
public final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    private static final Pattern PEM_KEY = Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----([^-]*)-----END \\1PRIVATE KEY-----");
    private static final char[] IN_MEMORY = "gatehouse-in-memory".toCharArray();

    private final Path certFile;
    private final Path keyFile;
    private final SslContextFactory.Server factory;
    private String loadedDigest;
    private String loadedSubject;
    private volatile long notAfterMillis;

    private ServerTls(Path certFile, Path keyFile) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        Loaded first;
        try {
            first = parse(Pem.read(certFile, keyFile));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException("cannot use GATEHOUSE_TLS_CERT/GATEHOUSE_TLS_KEY (" + certFile + ", " + keyFile + "): " + e.getMessage());
        }
        this.factory = new SslContextFactory.Server();
        factory.setKeyStore(first.keyStore);
        factory.setKeyStorePassword(new String(IN_MEMORY));
        factory.setKeyManagerPassword(new String(IN_MEMORY));
        factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        this.loadedDigest = first.digest;
        this.loadedSubject = first.subject;
        this.notAfterMillis = first.notAfter;
    }

    /** When the certificate being served expires (epoch milliseconds), for the expiry metric. */
    public long notAfterMillis() {
        return notAfterMillis;
    }

    /** Null when the configuration does not ask for TLS. */
    public static ServerTls fromConfig(Config config) {
        return config.tls() ? new ServerTls(Path.of(config.tlsCert), Path.of(config.tlsKey)) : null;
    }

    /** The HTTPS connector for the configured address and port, reading a PROXY protocol header first if asked. */
    ServerConnector connector(Server server, HttpConfiguration base, String host, int port, boolean proxyProtocol) {
        HttpConfiguration https = new HttpConfiguration(base);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // Load balancers and health checks connect by IP address, without SNI.
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        SslConnectionFactory ssl = new SslConnectionFactory(factory, "http/1.1");
        // A TLS pass-through balancer's PROXY header comes before the TLS handshake (see ProxyProtocol).
        ServerConnector c = proxyProtocol
                ? new ServerConnector(server, ProxyProtocol.factory(ssl.getProtocol()), ssl, new HttpConnectionFactory(https))
                : new ServerConnector(server, ssl, new HttpConnectionFactory(https));
        c.setHost(host);
        c.setPort(port);
        return c;
    }

    /** Re-reads the files; swaps the certificate when they changed and are valid. Returns whether it did. */
    public synchronized boolean reloadIfChanged() {
        Loaded next;
        try {
            Pem pem = Pem.read(certFile, keyFile);
            if (pem.digest().equals(loadedDigest)) return false;
            next = parse(pem);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            LOG.warn("TLS certificate not reloaded, still serving {}: {}", loadedSubject, e.getMessage());
            return false;
        }
        try {
            factory.reload(f -> f.setKeyStore(next.keyStore));
        } catch (Exception e) {
            LOG.warn("TLS certificate not reloaded, still serving {}: {}", loadedSubject, e.toString());
            return false;
        }
        loadedDigest = next.digest;
        loadedSubject = next.subject;
        notAfterMillis = next.notAfter;
        LOG.info("TLS certificate reloaded: {}", next.subject);
        return true;
    }

    private record Loaded(KeyStore keyStore, String digest, String subject, long notAfter) {
    }

    /**
     * The two files' bytes, read once: the digest and the parsed key store come from the same bytes, so a renewal
     * landing between hashing and parsing cannot leave the old certificate recorded under the new files' digest.
     */
    private record Pem(byte[] cert, byte[] key, String digest) {
        static Pem read(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
            byte[] cert = Files.readAllBytes(certFile);
            byte[] key = Files.readAllBytes(keyFile);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(cert);
            sha.update((byte) 0);
            sha.update(key);
            return new Pem(cert, key, HexFormat.of().formatHex(sha.digest()));
        }
    }

    private Loaded parse(Pem pem) throws IOException, GeneralSecurityException {
        List<? extends Certificate> chain = List.copyOf(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.cert())));
        if (chain.isEmpty()) throw new GeneralSecurityException("no certificate in " + certFile);
        PrivateKey key = privateKey(new String(pem.key(), StandardCharsets.US_ASCII));
        X509Certificate leaf = (X509Certificate) chain.get(0);
        if (!matches(key, leaf.getPublicKey())) {
            throw new GeneralSecurityException("the private key does not belong to the certificate " + leaf.getSubjectX500Principal());
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("gatehouse", key, IN_MEMORY, chain.toArray(new Certificate[0]));
        return new Loaded(ks, pem.digest(), leaf.getSubjectX500Principal().getName() + " (expires " + leaf.getNotAfter().toInstant() + ")",
                leaf.getNotAfter().getTime());
    }

    static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        Matcher m = PEM_KEY.matcher(pem);
        if (!m.find()) throw new GeneralSecurityException("no PEM private key found");
        if (!m.group(1).isEmpty()) {
            throw new GeneralSecurityException("the key is '" + m.group(1).trim() + " PRIVATE KEY'; Gatehouse reads unencrypted PKCS#8"
                    + " ('PRIVATE KEY'): convert it with  openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException("the private key is not an RSA, EC or Ed25519 PKCS#8 key");
    }

    /** Signs random bytes with the key and verifies with the certificate's public key. */
    private static boolean matches(PrivateKey key, PublicKey pub) throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
        };
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        try {
            v.initVerify(pub);
        } catch (GeneralSecurityException e) {
            return false;
        }
        v.update(probe);
        return v.verify(sig);
    }

}
