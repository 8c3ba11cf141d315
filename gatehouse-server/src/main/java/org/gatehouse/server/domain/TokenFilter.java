package org.gatehouse.server.domain;

/** Token filters; null fields do not filter. status: active (neither revoked nor expired), revoked, expired. */
public record TokenFilter(String owner, String status, String search) {
}
