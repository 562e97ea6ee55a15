// POST /api/v1/rag: retrieval-augmented generation. 1. Search the collection with the query text; 2. put the
// passages (cut to a character budget, best first) into a prompt; 3. generate the answer on the inference
// service. The answer lists the passages used and how much of each went into the prompt.
import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { embeddings } from '@neuroforge/contracts';
import type { FastifyRequest } from 'fastify';
import { callerMetadata, GenerationService } from '../application/generation/generation.service';
import { ChargesTokens, RequirePermission } from '../edge/route-policy';
import { ApiRoute, ValidBody } from '../edge/validation';
import { Upstreams } from '../infrastructure/grpc/upstreams';
import { principalOf } from '../interface/http/generate.http.controller';
import { hitView, RagAnswer, RagBody } from './embeddings.schemas';

const DEFAULT_TOP_K = 4;
const DEFAULT_CONTEXT_CHARS = 2000;

/** The prompt: numbered passages, then the question. */
export function ragPrompt(query: string, passages: readonly { text: string }[]): string {
  const context = passages.map((p, i) => `[${i + 1}] ${p.text}`).join('\n');
  return `Answer the question using the passages below.\n\nPassages:\n${context}\n\nQuestion: ${query}\nAnswer:`;
}

/** Cuts passages, best first, so their text fits the budget; passages that get nothing are left out. */
export function fitPassages<T extends { text: string }>(
  passages: readonly T[],
  budget: number,
): (T & { usedChars: number })[] {
  const out: (T & { usedChars: number })[] = [];
  let left = budget;
  for (const p of passages) {
    if (left <= 0) break;
    const text = p.text.slice(0, left);
    out.push({ ...p, text, usedChars: text.length });
    left -= text.length;
  }
  return out;
}

@Controller('api/v1/rag')
export class RagHttpController {
  constructor(
    @Inject(Upstreams) private readonly upstreams: Upstreams,
    @Inject(GenerationService) private readonly generation: GenerationService,
  ) {}

  @Post()
  @HttpCode(200)
  @RequirePermission('generate')
  @ChargesTokens()
  @ApiRoute({
    summary: 'Answer a question from a collection (retrieval-augmented generation)',
    description:
      'Retrieves the top_k passages nearest to the query, puts them (best first, cut to max_context_chars) into ' +
      'the prompt and generates the answer; `passages` lists what was used.',
    tags: ['embeddings'],
    body: RagBody,
    response: RagAnswer,
  })
  async answer(@ValidBody() body: RagBody, @Req() request: FastifyRequest) {
    const principal = principalOf(request);
    // 1. Retrieve.
    const found = await this.upstreams.embeddings.unary<Partial<embeddings.SearchRequest>, embeddings.SearchResponse>(
      'Search',
      {
        collection: body.collection,
        text: body.query,
        topK: body.top_k ?? DEFAULT_TOP_K,
        filter: body.filter ?? null,
        ...(body.score_threshold !== undefined ? { scoreThreshold: body.score_threshold } : {}),
        includeVectors: false,
      },
      { metadata: callerMetadata(principal) },
    );
    // 2. Fit the passages into the prompt.
    const passages = fitPassages(found.hits.map(hitView), body.max_context_chars ?? DEFAULT_CONTEXT_CHARS);
    // 3. Generate.
    const result = await this.generation.generate(
      {
        model: body.model ?? '',
        prompt: ragPrompt(body.query, passages),
        sampling: {
          ...(body.max_tokens !== undefined ? { max_tokens: body.max_tokens } : {}),
          ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
          ...(body.seed !== undefined ? { seed: body.seed } : {}),
        },
        requestId: request.requestId,
      },
      principal,
    );
    return {
      answer: result.text,
      model_name: result.modelName,
      tokens_generated: result.tokensGenerated,
      passages: passages.map(({ usedChars, vector: _vector, ...p }) => ({ ...p, used_chars: usedChars })),
    };
  }
}
