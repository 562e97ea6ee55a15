import { Module } from '@nestjs/common';
import { TrainingModule } from './training.module';

/** Root module of the training service (gRPC :50054): training jobs, datasets and the worker pool. */
@Module({ imports: [TrainingModule.forRoot()] })
export class AppModule {}
