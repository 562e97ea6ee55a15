import type { Type } from '@nestjs/common';
import { EmbeddingsHttpController } from '../../embeddings/embeddings.http.controller';
import { RagHttpController } from '../../embeddings/rag.http.controller';
import { AuthHttpController } from './auth.http.controller';
import { GenerateHttpController } from './generate.http.controller';
import { ModelsHttpController } from './models.http.controller';
import { OpenAiHttpController } from './openai.http.controller';
import { SystemHealthHttpController } from './system-health.http.controller';
import { TrainingHttpController } from './training.http.controller';

/** The documented API controllers (the OpenAPI document is built from exactly these). */
export const GATEWAY_CONTROLLERS: readonly Type<unknown>[] = [
  SystemHealthHttpController,
  AuthHttpController,
  ModelsHttpController,
  GenerateHttpController,
  TrainingHttpController,
  OpenAiHttpController,
  EmbeddingsHttpController,
  RagHttpController,
];
