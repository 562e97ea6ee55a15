import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { grpcAddress, type NeuroForgeConfig } from '@neuroforge/config';
import { SERVICE_CONFIG } from '@neuroforge/service-kit';
import { GrpcUpstream } from './grpc-upstream';

/** The gRPC clients of the services behind the gateway, one channel each, addresses from configuration. */
@Injectable()
export class Upstreams implements OnModuleDestroy {
  readonly auth: GrpcUpstream;
  readonly models: GrpcUpstream;
  readonly inference: GrpcUpstream;
  readonly training: GrpcUpstream;
  readonly embeddings: GrpcUpstream;

  constructor(@Inject(SERVICE_CONFIG) config: NeuroForgeConfig) {
    this.auth = new GrpcUpstream('auth', grpcAddress(config, 'auth'), 10_000);
    this.models = new GrpcUpstream('models', grpcAddress(config, 'model-registry'), 10_000);
    // Generation may queue behind other requests and then run for many tokens.
    this.inference = new GrpcUpstream('inference', grpcAddress(config, 'inference'), 300_000);
    this.training = new GrpcUpstream('training', grpcAddress(config, 'training'), 10_000);
    this.embeddings = new GrpcUpstream('embeddings', grpcAddress(config, 'embeddings'), 60_000);
  }

  onModuleDestroy(): void {
    for (const upstream of [this.auth, this.models, this.inference, this.training, this.embeddings]) upstream.close();
  }
}
