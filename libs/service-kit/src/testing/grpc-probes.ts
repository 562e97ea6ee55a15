import { dirname, join } from 'node:path';
import { credentials, type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

function clientConstructor(protoFile: string, servicePath: string[]): ServiceClientConstructor {
  let node: unknown = loadPackageDefinition(loadSync(protoFile, LOADER));
  for (const part of servicePath) node = (node as GrpcObject)[part];
  return node as ServiceClientConstructor;
}

/** `grpc.health.v1.Health/Check` for `service` ('' is the server as a whole): 'SERVING', 'NOT_SERVING', ... */
export function grpcHealthStatus(address: string, service = '', timeoutMs = 3000): Promise<string> {
  const Health = clientConstructor(healthProtoPath, ['grpc', 'health', 'v1', 'Health']);
  const client = new Health(address, credentials.createInsecure());
  return new Promise<string>((resolve, reject) => {
    client.Check({ service }, { deadline: Date.now() + timeoutMs }, (error: Error | null, reply: { status: string }) =>
      error ? reject(error) : resolve(reply.status),
    );
  }).finally(() => client.close());
}

/** The service names the server lists through gRPC server reflection (v1). */
export function reflectionServices(address: string, timeoutMs = 3000): Promise<string[]> {
  const protoFile = join(dirname(require.resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto');
  const Reflection = clientConstructor(protoFile, ['grpc', 'reflection', 'v1', 'ServerReflection']);
  const client = new Reflection(address, credentials.createInsecure());
  return new Promise<string[]>((resolve, reject) => {
    const call = client.ServerReflectionInfo({ deadline: Date.now() + timeoutMs });
    call.on('data', (reply: { list_services_response?: { service: { name: string }[] }; error_response?: unknown }) => {
      if (reply.list_services_response) resolve(reply.list_services_response.service.map((s) => s.name));
      else reject(new Error(`reflection answered ${JSON.stringify(reply)}`));
      call.end();
    });
    call.on('error', reject);
    call.write({ list_services: '' });
  }).finally(() => client.close());
}
