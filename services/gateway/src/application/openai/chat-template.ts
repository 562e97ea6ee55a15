import type { ChatMessage } from '../../schemas/openai.schemas';

/**
 * The chat template: each message as a role marker line followed by its text, then the assistant marker the
 * model continues from. Markers double as stop sequences, so a model that starts the next turn stops there.
 *
 *   <|system|>\nYou are terse.\n<|user|>\nHi\n<|assistant|>\n
 *
 * `developer` messages count as `system` (OpenAI's newer name for it).
 */
export const CHAT_STOP_SEQUENCES = ['<|user|>', '<|system|>'] as const;

export function messageText(content: ChatMessage['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('');
}

export function chatPrompt(messages: readonly ChatMessage[]): string {
  const turns = messages.map((m) => `<|${m.role === 'developer' ? 'system' : m.role}|>\n${messageText(m.content)}\n`);
  return `${turns.join('')}<|assistant|>\n`;
}
