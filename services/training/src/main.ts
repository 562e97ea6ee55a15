// The training service: training jobs and datasets, computed by the PyTorch workers (gRPC :50054).
import './telemetry';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { runService } from '@neuroforge/service-kit';
import { AppModule } from './app.module';

runService({
  name: 'training',
  module: AppModule,
  dependencies: ['mongo', 'kafka'],
  grpc: () => grpcPackageOptions('training'),
});
