package org.gatehouse.client.cli;

import org.gatehouse.client.CredentialStoreException;
import org.gatehouse.client.CredentialsLostException;
import org.gatehouse.client.CredentialsRotatedElsewhereException;
import org.gatehouse.client.MachineIdException;
import org.gatehouse.client.NotEnrolledException;
import org.gatehouse.client.RegistrationRevokedException;
import org.gatehouse.client.ServerErrorException;
import org.gatehouse.client.ServerUnavailableException;
import org.gatehouse.client.TokenFileException;

/** The exit codes of gatehouse-enrol, documented in docs/installers.md. */
public final class ExitCodes {
    public static final int OK = 0;
    /** An unexpected error (a bug). */
    public static final int ERROR = 1;
    /** Wrong command-line usage. */
    public static final int USAGE = 2;
    /** No stored credentials: run enrol first. */
    public static final int NOT_ENROLLED = 3;
    /** The token file or the credential store is missing, corrupt, unsafe or belongs elsewhere. */
    public static final int BAD_FILE = 4;
    /**
     * The registration was revoked or deleted on the server. When a person revoked the installation,
     * only its issuer or an administrator can restore it (the message says so); otherwise enrol again.
     */
    public static final int REVOKED = 5;
    /** The server refused the request (e.g. the initial access token is used up, expired or revoked). */
    public static final int REFUSED = 6;
    /** The server could not be reached or failed: try again later. */
    public static final int UNAVAILABLE = 7;
    /**
     * Credentials lost here: nobody revoked the installation, but these credentials were replaced by a
     * newer registration of it (another copy of the store, the same app enrolled again) or dropped as
     * unused. Enrol again with a token file.
     */
    public static final int CREDENTIALS_LOST = 8;
    /** The OS has no machine id: fix the OS setup (e.g. systemd-machine-id-setup), then run again. */
    public static final int NO_MACHINE_ID = 9;
    /**
     * Another copy of these credentials rotated them (this store was copied: a cloned disk, image or
     * home directory, a restored backup); the registration is active but only the other copy holds
     * its secret. Unenrol, then enrol again with a token file (replacing the other copy's), or ask the issuer.
     */
    public static final int ROTATED_ELSEWHERE = 10;

    private ExitCodes() {
    }

    static int of(Throwable e) {
        if (e instanceof NotEnrolledException) return NOT_ENROLLED;
        if (e instanceof TokenFileException || e instanceof CredentialStoreException) return BAD_FILE;
        if (e instanceof CredentialsLostException) return CREDENTIALS_LOST;
        if (e instanceof CredentialsRotatedElsewhereException) return ROTATED_ELSEWHERE;
        if (e instanceof RegistrationRevokedException) return REVOKED;
        if (e instanceof ServerErrorException) return REFUSED;
        if (e instanceof ServerUnavailableException) return UNAVAILABLE; // RateLimitedException too: retry later
        if (e instanceof MachineIdException) return NO_MACHINE_ID;
        return ERROR;
    }

    /** A stable name for --json error output. */
    static String name(int code) {
        switch (code) {
            case NOT_ENROLLED: return "not_enrolled";
            case BAD_FILE: return "bad_file";
            case REVOKED: return "revoked";
            case REFUSED: return "refused";
            case UNAVAILABLE: return "unavailable";
            case CREDENTIALS_LOST: return "credentials_lost";
            case NO_MACHINE_ID: return "no_machine_id";
            case ROTATED_ELSEWHERE: return "rotated_elsewhere";
            default: return "error";
        }
    }
}
