package org.gatehouse.server.domain;

/** Filters for listing; null fields do not filter. iatId: the token of the installation's latest registration. */
public record InstallationFilter(String iatId, String status, Boolean stale, Boolean flagged, String owner) {
    public static InstallationFilter none() {
        return new InstallationFilter(null, null, null, null, null);
    }
}
