import { Module } from '@nestjs/common';
import { ModelRegistryModule } from './model-registry.module';

/** Root module of the model-registry service (gRPC :50052): models, versions, aliases and artifacts. */
@Module({ imports: [ModelRegistryModule.forRoot()] })
export class AppModule {}
