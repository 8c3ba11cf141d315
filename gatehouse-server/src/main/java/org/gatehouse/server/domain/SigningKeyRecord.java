package org.gatehouse.server.domain;

/** A signing key as stored; the private JWK is encrypted under the master key. */
public record SigningKeyRecord(
        String kid,
        String alg,
        String state,
        String publicJwk,
        String privateJwkEnc,
        long createdAt,
        Long activatedAt,
        Long retiredAt,
        Long publishUntil) {

    public static final String NEXT = "next";
    public static final String ACTIVE = "active";
    public static final String RETIRED = "retired";
}
