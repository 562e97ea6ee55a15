import { Module } from '@nestjs/common';

/** Root module of the training service; its use cases, adapters and gRPC controllers are added here. */
@Module({})
export class AppModule {}
