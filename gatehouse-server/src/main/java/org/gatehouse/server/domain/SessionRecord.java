package org.gatehouse.server.domain;

/** A portal session as stored: its id only as a keyed hash, the sign-in stage, the CSRF token, a pending flash or link. */
public record SessionRecord(String idHash, String accountId, String stage, String csrf, String linkId, String pending,
                            long createdAt, long lastSeenAt, long expiresAt) {
}
