import { Module } from '@nestjs/common';
import { AuthModule } from './auth.module';

/** Root module of the auth service, with the production Redis prefix and topic. */
@Module({ imports: [AuthModule.forRoot()] })
export class AppModule {}
