import type { models } from '@neuroforge/contracts';
import { z } from 'zod';
import { isoTime, ModelName, PageQuery, QueryBool } from './common.schemas';

export const ARCHITECTURES = ['retnet', 'moe_retnet', 'multimodal', 'transformer'] as const;
export const Architecture = z.enum(ARCHITECTURES);

const Tags = z.array(z.string().min(1).max(64)).max(32);

export const CreateModelRequest = z
  .object({
    name: ModelName,
    architecture: Architecture,
    description: z.string().max(4000).optional(),
    tags: Tags.optional(),
  })
  .strict();
export type CreateModelRequest = z.infer<typeof CreateModelRequest>;

export const UpdateModelRequest = z
  .object({ description: z.string().max(4000).optional(), tags: Tags.optional() })
  .strict()
  .refine((r) => r.description !== undefined || r.tags !== undefined, {
    message: 'give description and/or tags',
    path: ['description'],
  });
export type UpdateModelRequest = z.infer<typeof UpdateModelRequest>;

export const ListModelsQuery = z
  .object({
    ...PageQuery,
    architecture: Architecture.optional(),
    tag: z.string().max(64).optional(),
    include_deleted: QueryBool,
  })
  .strict();
export type ListModelsQuery = z.infer<typeof ListModelsQuery>;

export const ModelIdParams = z.object({ id: ModelName.meta({ description: 'The model name.' }) });

export const ModelView = z.object({
  id: z.string(),
  name: z.string(),
  architecture: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  aliases: z.record(z.string(), z.number().int()),
  latest_version: z.number().int(),
  deleted: z.boolean(),
  created_by: z.string(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type ModelView = z.infer<typeof ModelView>;

export const ModelList = z.object({ models: z.array(ModelView), next_page_token: z.string() });

export function architectureToProto(a: (typeof ARCHITECTURES)[number]): models.Architecture {
  return `ARCHITECTURE_${a.toUpperCase()}` as models.Architecture;
}

export function modelView(model: models.Model): ModelView {
  return {
    id: model.modelId,
    name: model.name,
    architecture: String(model.architecture)
      .replace(/^ARCHITECTURE_/, '')
      .toLowerCase(),
    description: model.description,
    tags: model.tags,
    aliases: Object.fromEntries(model.aliases.map((a) => [a.alias, a.version])),
    latest_version: model.latestVersion,
    deleted: model.deleted,
    created_by: model.createdByUserId,
    created_at: isoTime(model.createdAt),
    updated_at: isoTime(model.updatedAt),
  };
}
