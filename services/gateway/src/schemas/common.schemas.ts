import { z } from 'zod';

/** A model reference: "name", "name@alias" or "name:version" (names as the registry allows them). */
export const ModelRef = z
  .string()
  .max(160)
  .regex(
    /^[a-z0-9][a-z0-9._-]*(@[a-z0-9][a-z0-9_-]*|:[1-9][0-9]*)?$/,
    'must be a model name, "name@alias" or "name:version" (lower-case letters, digits, ".", "-", "_")',
  );

/** A registered model's name. */
export const ModelName = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'must be lower-case letters, digits, ".", "-" and "_", starting with a letter or digit',
  );

export const PageQuery = {
  page_size: z.coerce.number().int().min(1).max(500).optional(),
  page_token: z.string().max(512).optional(),
};

/** Query-string booleans: "true"/"false"/"1"/"0". */
export const QueryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

/** The error envelope, for the documentation. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable code, CONTEXT.REASON, e.g. MODELS.NOT_FOUND' }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
});

/** proto Timestamp ({seconds, nanos}) as an RFC 3339 string; null when unset. */
export function isoTime(ts: { seconds: string; nanos: number } | null | undefined): string | null {
  if (!ts) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)).toISOString();
}
