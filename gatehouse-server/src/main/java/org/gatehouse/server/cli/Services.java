package org.gatehouse.server.cli;

import java.time.Clock;
import org.gatehouse.server.accounts.AccountService;
import org.gatehouse.server.audit.AuditExport;
import org.gatehouse.server.iat.IatService;
import org.gatehouse.server.installations.InstallationService;
import org.gatehouse.server.keys.SigningKeys;
import org.gatehouse.server.registration.ResourceServers;
import org.gatehouse.server.statements.Publishers;
import org.gatehouse.server.statements.SoftwareStatements;
import org.gatehouse.server.store.SchemaStatus;

/**
 * The services a command calls, opened for it by the container ({@link Console.Holder#open}) and closed after it.
 * Commands get these, never the container itself (issue 14 Must 1): the CLI calls the same service methods as the
 * portal and the admin API.
 */
public interface Services extends AutoCloseable {
    AccountService accounts();

    AuditExport auditExport();

    IatService iats();

    InstallationService installations();

    SigningKeys keys();

    Publishers publishers();

    ResourceServers resourceServers();

    SoftwareStatements statements();

    Clock clock();

    /** The database's schema as this build sees it (db migrate). */
    SchemaStatus schemaStatus();

    @Override
    void close();

    /** A running server, as {@code serve} needs it. */
    interface Server extends AutoCloseable {
        int port();

        AccountService accounts();

        @Override
        void close();
    }
}
