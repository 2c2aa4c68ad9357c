// The model node's Tokenizer output: the imported model's tokenizer.json and tokenizer_config.json (chat template
// kept), in the layout the tokenizer node's Tokenizer output has, with the facts its meta records.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImportedModel } from '../../../nodes/capabilities/models.ts';
import { buildTokenizerConfig, loadHuggingFaceTokenizer, tokenizerHash } from '../../tokenize/index.ts';

const TOKENIZER_JSON = 'tokenizer.json';
const TOKENIZER_CONFIG_JSON = 'tokenizer_config.json';

/** Copies the model folder's tokenizer files into `tokenizerFolder`; a missing tokenizer_config.json is written as the tokenizer node would. */
export async function writeModelTokenizer(modelFolder: string, tokenizerFolder: string): Promise<ImportedModel['tokenizer']> {
  const jsonPath = path.join(modelFolder, TOKENIZER_JSON);
  if (!existsSync(jsonPath)) throw new Error(`the imported model folder ${modelFolder} has no ${TOKENIZER_JSON}; the model node needs the model's own tokenizer`);
  const text = await readFile(jsonPath, 'utf8');
  const tokenizer = loadHuggingFaceTokenizer(text, jsonPath);
  const configPath = path.join(modelFolder, TOKENIZER_CONFIG_JSON);
  const configText = existsSync(configPath) ? await readFile(configPath, 'utf8') : `${JSON.stringify(buildTokenizerConfig(tokenizer), null, 2)}\n`;
  await writeFile(path.join(tokenizerFolder, TOKENIZER_JSON), text);
  await writeFile(path.join(tokenizerFolder, TOKENIZER_CONFIG_JSON), configText);
  return {
    kind: tokenizer.kind,
    vocabSize: tokenizer.vocabSize,
    hash: tokenizerHash(tokenizer),
    specialTokens: [...tokenizer.addedTokens].sort((a, b) => a.id - b.id).filter((token) => token.special).map((token) => token.content),
  };
}
