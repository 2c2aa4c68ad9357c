// The tokenizer node with a connected tokenizer, and on chat corpora: conversations rendered with the chat template
// (the tokenizer's or the default), encoded segment by segment, and a loss mask that is 1 exactly on assistant spans.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TokensManifest } from '../../../app/artifacts/tokens-layout.ts';
import { capabilitiesForTest } from '../../../nodes/testing/capabilities.ts';
import { writeCorpus } from '../../../nodes/tokenizer/testing/corpus-fixture.ts';
import { tokenizerRunContext } from '../../../nodes/tokenizer/testing/run-context.ts';
import { tokenizerRun } from '../../../nodes/tokenizer/run.ts';
import { DEFAULT_SFT_CHAT_TEMPLATE, conversationDocument, type ChatTurn } from '../../tokenize/chat/index.ts';
import { buildTokenizerConfig, loadHuggingFaceTokenizer, readTokenShard, trainBpe, type Tokenizer } from '../../tokenize/index.ts';
import { createTokenizerCapability } from '../tokenizer-capability.ts';

const workRoot = mkdtempSync(path.join(tmpdir(), 'crucible-chat-tokenizer-'));
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));
const capabilities = capabilitiesForTest({ tokenizers: createTokenizerCapability({ workerCount: 1, chunkChars: 20_000 }) });
const EOT = '<|endoftext|>';
const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const conversations: ChatTurn[][] = [
  [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is two plus two?' },
    { role: 'assistant', content: 'Four.' },
    { role: 'user', content: 'And three plus three?' },
    { role: 'assistant', content: 'Six, of course.' },
  ],
  [
    { role: 'user', content: 'Name a colour.' },
    { role: 'assistant', content: 'Blue 🎨' },
  ],
];
const valConversations: ChatTurn[][] = [[{ role: 'user', content: 'Hello?' }, { role: 'assistant', content: 'Hi there.' }]];

let caseNumber = 0;

/** A Tokenizer artifact folder (tokenizer.json + tokenizer_config.json), as the model node or this node writes it. */
function tokenizerFolder(options: { specialTokens?: string[]; chatTemplate?: string; eos?: string } = {}): { dir: string; tokenizer: Tokenizer } {
  const text = 'the quick brown fox jumps over the lazy dog. What is two plus two? Four. Name a colour. Blue. Hello there! '.repeat(20);
  const tokenizer = trainBpe([text], { vocabSize: 320, specialTokens: options.specialTokens ?? [EOT] });
  const dir = path.join(workRoot, `tokenizer-${caseNumber++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.toHuggingFaceJson()));
  const config = { ...buildTokenizerConfig(tokenizer), ...(options.eos ? { eos_token: options.eos } : {}), ...(options.chatTemplate ? { chat_template: options.chatTemplate } : {}) };
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2));
  return { dir, tokenizer };
}

async function runChat(tokenizerDir: string, train = conversations, val = valConversations, config: Record<string, unknown> = { kind: 'char' }) {
  const workDir = path.join(workRoot, `case-${caseNumber++}`);
  const corpusDir = path.join(workDir, 'corpus');
  writeCorpus(corpusDir, { train: train.map(conversationDocument), val: val.map(conversationDocument) });
  const ctx = tokenizerRunContext(workDir, corpusDir, config, capabilities, { content: 'chat' }, tokenizerDir);
  const result = await tokenizerRun.run(ctx);
  const tokensDir = path.join(workDir, 'out', 'tokens');
  const masks = { train: readFileSync(path.join(tokensDir, 'train.mask.bin')), val: readFileSync(path.join(tokensDir, 'val.mask.bin')) };
  return {
    ctx,
    result,
    tokensDir,
    tokenizerOutDir: path.join(workDir, 'out', 'tokenizer'),
    manifest: JSON.parse(readFileSync(path.join(tokensDir, 'tokens.json'), 'utf8')) as TokensManifest,
    train: { ids: Array.from(readTokenShard(path.join(tokensDir, 'train')).ids), mask: Array.from(masks.train) },
    val: { ids: Array.from(readTokenShard(path.join(tokensDir, 'val')).ids), mask: Array.from(masks.val) },
  };
}

/** The decoded text of each run of equal mask values, tagged with the value. */
function maskedRuns(tokenizer: Tokenizer, split: { ids: number[]; mask: number[] }): [number, string][] {
  const runs: [number, string][] = [];
  let start = 0;
  for (let index = 1; index <= split.ids.length; index++) {
    if (index < split.ids.length && split.mask[index] === split.mask[start]) continue;
    runs.push([split.mask[start]!, tokenizer.decode(split.ids.slice(start, index))]);
    start = index;
  }
  return runs;
}

describe('tokenizer node: connected tokenizer', () => {
  it('encodes with the connected tokenizer, ignores kind, and outputs that same tokenizer', async () => {
    const { dir, tokenizer } = tokenizerFolder({ chatTemplate: CHATML });
    const workDir = path.join(workRoot, `case-${caseNumber++}`);
    const corpusDir = path.join(workDir, 'corpus');
    writeCorpus(corpusDir, { train: ['the lazy dog', 'a quick fox'], val: ['two plus two'] });
    const ctx = tokenizerRunContext(workDir, corpusDir, { kind: 'bpe', vocabSize: 5000 }, capabilities, {}, dir);
    await tokenizerRun.run(ctx);
    const out = path.join(workDir, 'out');
    expect(readFileSync(path.join(out, 'tokenizer', 'tokenizer.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    expect(readFileSync(path.join(out, 'tokenizer', 'tokenizer_config.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    expect(Array.from(readTokenShard(path.join(out, 'tokens', 'train')).ids)).toEqual(tokenizer.encode(`the lazy dog${EOT}a quick fox`));
    const manifest = JSON.parse(readFileSync(path.join(out, 'tokens', 'tokens.json'), 'utf8')) as TokensManifest;
    expect(manifest.tokenizer.source).toBe('pretrained');
    expect(manifest.lossMask).toBeUndefined();
    expect(ctx.logLines.some(({ line }) => /connected tokenizer; config kind \("bpe"\), vocabSize, minFrequency and path are ignored/.test(line))).toBe(true);
  });
});

describe('tokenizer node: chat corpora', () => {
  it('uses the default template when the tokenizer has none, writes it into both tokenizer_config.json copies, and masks only assistant spans', async () => {
    const { dir, tokenizer } = tokenizerFolder();
    const run = await runChat(dir);
    for (const folder of [run.tokenizerOutDir, run.tokensDir]) {
      expect(JSON.parse(readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8')).chat_template).toBe(DEFAULT_SFT_CHAT_TEMPLATE);
    }
    expect(maskedRuns(tokenizer, run.train)).toEqual([
      [0, 'System: You are terse.\nUser: What is two plus two?\nAssistant:'],
      [1, ` Four.${EOT}\n`],
      [0, 'User: And three plus three?\nAssistant:'],
      [1, ` Six, of course.${EOT}\n`],
      [0, `${EOT}User: Name a colour.\nAssistant:`],
      [1, ` Blue 🎨${EOT}\n`],
    ]);
    expect(run.train.mask).toHaveLength(run.train.ids.length);
    // <|endoftext|> is one token: trained as each assistant turn's eos, not as the separator between conversations.
    const eot = tokenizer.idOf(EOT)!;
    expect(run.train.ids.filter((id, index) => id === eot && run.train.mask[index] === 1)).toHaveLength(3);
    expect(run.train.ids.filter((id, index) => id === eot && run.train.mask[index] === 0)).toHaveLength(1);
    expect(maskedRuns(tokenizer, run.val)).toEqual([[0, 'User: Hello?\nAssistant:'], [1, ` Hi there.${EOT}\n`]]);
    expect(run.manifest.lossMask).toEqual({ train: 'train.mask.bin', val: 'val.mask.bin' });
    expect(run.result.outputs.tokens!.meta).toMatchObject({ content: 'chat', chatTemplate: 'default' });
    expect(run.ctx.logLines.some(({ line }) => /default SFT template is used/.test(line))).toBe(true);
  });

  it("renders a ChatML template with added special tokens: <|im_end|> trained, <|im_start|> not, each one token", async () => {
    const { dir } = tokenizerFolder({ specialTokens: [EOT, '<|im_start|>', '<|im_end|>'], chatTemplate: CHATML, eos: '<|im_end|>' });
    const run = await runChat(dir, [conversations[1]!], valConversations);
    const tokenizer = loadHuggingFaceTokenizer(readFileSync(path.join(run.tokenizerOutDir, 'tokenizer.json'), 'utf8'));
    expect(maskedRuns(tokenizer, run.train)).toEqual([
      [0, '<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n'],
      [1, 'Blue 🎨<|im_end|>\n'],
    ]);
    const imEnd = tokenizer.idOf('<|im_end|>')!;
    const imStart = tokenizer.idOf('<|im_start|>')!;
    expect(run.train.ids.filter((id) => id === imEnd)).toHaveLength(2);
    expect(run.train.ids.filter((id, index) => id === imStart && run.train.mask[index] === 1)).toHaveLength(0);
    expect(run.train.mask[run.train.ids.lastIndexOf(imEnd)]).toBe(1);
    // The tokenizer's own template is kept as it was.
    expect(JSON.parse(readFileSync(path.join(run.tokensDir, 'tokenizer_config.json'), 'utf8')).chat_template).toBe(CHATML);
  });

  it('refuses the default template for a tokenizer with no end-of-text token, which a reply could never learn to end with', async () => {
    const { dir } = tokenizerFolder({ specialTokens: [] });
    await expect(runChat(dir, conversations, valConversations, { kind: 'char', specialTokens: [] })).rejects.toThrow(/the tokenizer has no end-of-text token .* default specialTokens: \["<\|endoftext\|>"\]/);
  });

  it('refuses a template that is not prefix-consistent, naming the conversation', async () => {
    const rewriting =
      "{% for message in messages %}{% if message.role != 'assistant' or loop.last %}{{ message.role + ': ' + message.content + '\\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";
    const { dir } = tokenizerFolder({ chatTemplate: rewriting });
    await expect(runChat(dir)).rejects.toThrow(/train document 1 \("You are terse\."…\): the chat template is not prefix-consistent/);
  });
});
