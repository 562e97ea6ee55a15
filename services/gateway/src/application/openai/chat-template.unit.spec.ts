import { describe, expect, it } from 'vitest';
import { chatPrompt } from './chat-template';

describe('chat template', () => {
  it('renders each message under its role marker and ends with the assistant marker', () => {
    expect(
      chatPrompt([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: 'Hello.' },
        { role: 'developer', content: 'No emoji.' },
        { role: 'user', content: null },
      ]),
    ).toBe(
      '<|system|>\nBe terse.\n<|user|>\nHi\n<|assistant|>\nHello.\n<|system|>\nNo emoji.\n<|user|>\n\n<|assistant|>\n',
    );
  });
});
