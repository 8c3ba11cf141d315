package org.gatehouse.client;

/**
 * The OS has no usable machine id (see {@link MachineIds}), so no installation id can be derived:
 * an OS setup problem that retrying does not fix (e.g. run {@code systemd-machine-id-setup}).
 */
public final class MachineIdException extends GatehouseClientException {
    public MachineIdException(String message) {
        super(message);
    }

    public MachineIdException(String message, Throwable cause) {
        super(message, cause);
    }
}
