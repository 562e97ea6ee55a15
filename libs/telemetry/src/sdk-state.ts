// The one piece of process-wide telemetry state that the logger and metrics read: which service this
// process is. Kept apart from sdk.ts so that importing the logger does not load the SDK.
let serviceName: string | undefined;

export function telemetryServiceName(): string | undefined {
  return serviceName;
}

export function setTelemetryServiceName(name: string): void {
  serviceName = name;
}

/** service.name for a NeuroForge service: `neuroforge-<service>` (a name already prefixed is kept). */
export function qualifiedServiceName(name: string): string {
  return name.startsWith('neuroforge-') ? name : `neuroforge-${name}`;
}
