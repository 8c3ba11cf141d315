package org.gatehouse.client;

/**
 * Where the OS machine id comes from. {@link MachineIds#system()} picks the right one for the OS;
 * tests and special deployments pass their own. The raw value never leaves the machine: only
 * {@link InstallationId#derive} of it is sent.
 */
@FunctionalInterface
public interface MachineIdSource {
    /** The machine id, trimmed; throws {@link GatehouseClientException} when the OS has none. */
    String machineId();
}
