import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loadConfig, SERVICE_NAMES, serviceConfig } from '@neuroforge/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const CHART = join(ROOT, 'helm/neuroforge');

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    template?: {
      spec: {
        containers: {
          command: string[];
          env?: { name: string; value: string }[];
          ports: { containerPort: number }[];
        }[];
      };
    };
  };
}

let helm = '';
const render = (...args: string[]): Manifest[] =>
  parseAllDocuments(
    execFileSync(
      helm,
      ['template', 'nf', CHART, '--set', 'secrets.authSigningKeySecret=test-secret-of-at-least-32-characters', ...args],
      {
        encoding: 'utf8',
      },
    ),
  )
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);

describe('the Helm chart', () => {
  beforeAll(() => {
    helm = execFileSync('bash', [join(ROOT, 'infra/scripts/helm.sh')], { encoding: 'utf8' }).trim();
  }, 900_000);

  it('passes helm lint', () => {
    const out = execFileSync(helm, ['lint', CHART, '--set', 'secrets.authSigningKeySecret=x'], { encoding: 'utf8' });
    expect(out).toContain('0 chart(s) failed');
  });

  it('refuses to render without the signing-key secret', () => {
    expect(() => execFileSync(helm, ['template', 'nf', CHART], { stdio: 'pipe' })).toThrow(
      /secrets.authSigningKeySecret is required/,
    );
  });

  it('renders a Deployment and a Service per service, each starting its own dist/main.js', () => {
    const manifests = render();
    for (const name of SERVICE_NAMES) {
      const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `nf-${name}`);
      expect(deployment?.spec?.template?.spec.containers[0]?.command).toEqual([
        'node',
        `services/${name}/dist/main.js`,
      ]);
      expect(manifests.some((m) => m.kind === 'Service' && m.metadata.name === `nf-${name}`)).toBe(true);
    }
  });

  it('gives every service a configuration NeuroForge accepts, binding all interfaces and reaching peers by Service name', () => {
    const manifests = render();
    const shared = {
      ...manifests.find((m) => m.kind === 'ConfigMap')?.data,
      ...manifests.find((m) => m.kind === 'Secret')?.stringData,
    };
    for (const name of SERVICE_NAMES) {
      const container = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `nf-${name}`)?.spec
        ?.template?.spec.containers[0];
      const own = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
      // loadConfig throws a ConfigError naming the key for anything unknown or invalid.
      const config = loadConfig({ env: { ...shared, ...own }, cwd: '/nonexistent' });
      expect(serviceConfig(config, name).host).toBe('0.0.0.0');
      for (const peer of SERVICE_NAMES.filter((p) => p !== name)) {
        expect(serviceConfig(config, peer).host).toBe(`nf-${peer}`);
      }
      const ports = container?.ports.map((p) => p.containerPort) ?? [];
      expect(ports).toContain(serviceConfig(config, name).metrics_port);
    }
  });
});
