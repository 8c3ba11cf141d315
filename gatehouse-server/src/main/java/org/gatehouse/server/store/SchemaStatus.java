package org.gatehouse.server.store;

import java.util.Arrays;
import java.util.List;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;

/**
 * Where the database's schema stands against the migrations this binary carries: the applied ones (with
 * those applied by a newer release, which this binary does not know), and the pending ones.
 */
public record SchemaStatus(List<Migration> applied, List<Migration> pending, String latestKnown) {
    public record Migration(String version, String description, String state, Long installedAtMillis, boolean unknownToThisRelease) {
    }

    static SchemaStatus of(MigrationInfoService info) {
        List<Migration> applied = Arrays.stream(info.applied()).map(SchemaStatus::migration).toList();
        List<Migration> pending = Arrays.stream(info.pending()).map(SchemaStatus::migration).toList();
        String latest = Arrays.stream(info.all()).filter(i -> i.getState().isResolved() && i.getVersion() != null)
                .reduce((a, b) -> b).map(i -> i.getVersion().getVersion()).orElse("none");
        return new SchemaStatus(applied, pending, latest);
    }

    private static Migration migration(MigrationInfo i) {
        MigrationState s = i.getState();
        boolean future = s == MigrationState.FUTURE_SUCCESS || s == MigrationState.FUTURE_FAILED;
        return new Migration(i.getVersion() == null ? "" : i.getVersion().getVersion(), i.getDescription(), s.getDisplayName(),
                i.getInstalledOn() == null ? null : i.getInstalledOn().getTime(), future);
    }

    /** Nothing applied yet: no Gatehouse schema in this database. */
    public boolean empty() {
        return applied.isEmpty();
    }

    /** A migration applied by a newer Gatehouse: this binary must not run on the schema. */
    public boolean newer() {
        return applied.stream().anyMatch(Migration::unknownToThisRelease);
    }

    /** The newest applied version ("none" when empty). */
    public String current() {
        return applied.isEmpty() ? "none" : applied.get(applied.size() - 1).version();
    }
}
