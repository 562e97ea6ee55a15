// The auth service: users, API keys and signing keys (gRPC :50051).
import './telemetry';
import { grpcPackageOptions } from '@neuroforge/contracts';
import { runService } from '@neuroforge/service-kit';
import { AppModule } from './app.module';

runService({
  name: 'auth',
  module: AppModule,
  dependencies: ['mongo', 'kafka', 'redis'],
  grpc: () => grpcPackageOptions('auth'),
});
