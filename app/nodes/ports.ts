// The typed artifacts that flow along edges, and how ports declare them.
// A port type is a plain string tag so pipeline files, the engine and the canvas agree without sharing classes.

export const PORT_TYPES = ['Corpus', 'Tokenizer', 'Tokens', 'Model', 'Report', 'Deployment', 'Export'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortSpec {
  /** Stable name used in pipeline files (`{ node, port }`), never an index. */
  name: string;
  type: PortType;
  title: string;
  description: string;
  /** An input that accepts several edges (e.g. `api-endpoint.deployments`). Outputs always fan out. */
  multi?: boolean;
  /** An input that may stay unconnected. Inputs are required unless they say otherwise. */
  optional?: boolean;
}

/** Colours the canvas uses for handles, kept beside the types so every client agrees. */
export const PORT_COLORS: Record<PortType, string> = {
  Corpus: '#4f9d69',
  Tokenizer: '#c08b2c',
  Tokens: '#d4a72c',
  Model: '#5b7fd6',
  Report: '#8a6bc9',
  Deployment: '#d0605e',
  Export: '#4a9fb5',
};

export function isPortType(value: string): value is PortType {
  return (PORT_TYPES as readonly string[]).includes(value);
}
