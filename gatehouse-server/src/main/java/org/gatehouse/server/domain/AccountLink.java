package org.gatehouse.server.domain;

/** Moved from store/AccountStore (issue 14: handlers reach the store only through services). */
public record AccountLink(String id, String purpose, String email, AccountRole role, long createdAt, String createdBy,
                          long expiresAt, Long usedAt, String accountId) {
}
