// The inference service: serves models on onnxruntime-node (gRPC :50053).
import './telemetry';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { runService } from '@neuroforge/service-kit';
import { AppModule } from './app.module';

runService({
  name: 'inference',
  module: AppModule,
  dependencies: ['kafka', 'redis'],
  grpc: () => grpcPackageOptions('inference'),
});
