// A typed ONNX graph under construction: named inputs, initializers and outputs, and nodes whose output
// dtypes and shapes come from the shape rule table at the moment they are added. Serializes to a ModelProto.

import { typedArrayFrom, type AnyTypedArray, type DType } from '../onnx/data-types.ts';
import { encodeModel } from '../onnx/encode-model.ts';
import { DEFAULT_IR_VERSION, DEFAULT_OPSETS, type ModelProto, type NodeProto, type OperatorSetId, type TensorProto } from '../onnx/model-proto.ts';
import { elementCountOf, type HostTensor } from '../tensor/host-tensor.ts';
import type { Attributes } from './attributes.ts';
import { formatShape, isStaticShape, type Dim, type Shape } from './dims.ts';
import { domainOf, type OpType } from './op-types.ts';
import { shapeRules } from './shape-rules/index.ts';
import { MAX_KNOWN_ELEMENTS, type GraphNode, type Value, type ValueType } from './value.ts';

export interface GraphOptions {
  name?: string;
  irVersion?: number;
  opsets?: readonly OperatorSetId[];
}

export interface ApplyOptions {
  /** How many outputs to create for ops with optional outputs (default 1). */
  outputCount?: number;
  /** Names for the outputs instead of generated ones. */
  names?: readonly string[];
}

/** Small constants are shared: asking twice for int64 [-1] gives the same initializer. */
const MAX_SHARED_CONSTANT_ELEMENTS = 16;

interface DimSource {
  value: Value;
  axis: number;
}

export class Graph {
  readonly name: string;
  private readonly irVersion: number;
  private readonly opsets: readonly OperatorSetId[];
  private readonly nodeList: GraphNode[] = [];
  private readonly inputList: Value[] = [];
  private readonly outputList: Value[] = [];
  private readonly initializerList: { value: Value; data: AnyTypedArray }[] = [];
  private readonly usedNames = new Set<string>();
  private readonly dimSources = new Map<string, DimSource>();
  private readonly sharedConstants = new Map<string, Value>();
  private generatedNameCount = 0;

  constructor(options: GraphOptions = {}) {
    this.name = options.name ?? 'crucible';
    this.irVersion = options.irVersion ?? DEFAULT_IR_VERSION;
    this.opsets = options.opsets ?? DEFAULT_OPSETS;
  }

  get nodes(): readonly GraphNode[] {
    return this.nodeList;
  }

  get inputs(): readonly Value[] {
    return this.inputList;
  }

  get outputs(): readonly Value[] {
    return this.outputList;
  }

  get initializers(): readonly Value[] {
    return this.initializerList.map((entry) => entry.value);
  }

  /** A graph input fed at run time; string dims are symbolic and may differ per run. */
  input(name: string, dtype: DType, shape: Shape): Value {
    const value = this.createValue(name, { dtype, shape }, null);
    this.inputList.push(value);
    return value;
  }

  /** A named constant tensor stored in the model (weights that are not fed per run). */
  initializer(name: string, tensor: HostTensor): Value {
    if (tensor.data.length !== elementCountOf(tensor.shape)) {
      throw new Error(`graph "${this.name}": initializer "${name}" has ${tensor.data.length} values for shape ${formatShape(tensor.shape)}`);
    }
    const known = tensor.dtype === 'int64' && tensor.shape.length <= 1 && tensor.data.length <= MAX_KNOWN_ELEMENTS
      ? Array.from(tensor.data as BigInt64Array, Number)
      : undefined;
    const value = this.createValue(name, { dtype: tensor.dtype, shape: tensor.shape, ...(known ? { known } : {}) }, null);
    this.initializerList.push({ value, data: tensor.data });
    return value;
  }

  /** An unnamed constant; small ones are shared between callers. */
  /** A large constant given as its typed array (a mask of T² values): no JavaScript array of numbers on the way. */
  constantData(tensor: HostTensor): Value {
    return this.initializer(this.generateName('const'), tensor);
  }

  constant(dtype: DType, shape: readonly number[], values: readonly number[]): Value {
    const key = values.length <= MAX_SHARED_CONSTANT_ELEMENTS ? `${dtype}[${shape.join(',')}]:${values.join(',')}` : undefined;
    const shared = key === undefined ? undefined : this.sharedConstants.get(key);
    if (shared) return shared;
    const value = this.initializer(this.generateName('const'), { dtype, shape, data: typedArrayFrom(dtype, values) });
    if (key !== undefined) this.sharedConstants.set(key, value);
    return value;
  }

  scalar(dtype: DType, value: number): Value {
    return this.constant(dtype, [], [value]);
  }

  /** A 1-D int64 constant, the form ONNX takes for axes, shapes and slice bounds. */
  int64s(values: readonly number[]): Value {
    return this.constant('int64', [values.length], values);
  }

  /** Adds one node; its outputs' types come from the op's shape rule, whose errors name the op and shapes. */
  apply(opType: OpType, inputs: readonly (Value | null)[], attributes: Attributes = {}, options: ApplyOptions = {}): Value[] {
    for (const input of inputs) {
      if (input !== null && input.graph !== this) throw new Error(`${opType}: input "${input.name}" belongs to another graph`);
    }
    const outputCount = options.outputCount ?? 1;
    const types = shapeRules[opType]({ opType, inputs, attributes, outputCount });
    if (types.length < outputCount) throw new Error(`${opType}: asked for ${outputCount} outputs, the op has ${types.length}`);
    const nodeName = `n${this.nodeList.length}`;
    const outputs: Value[] = [];
    const node: GraphNode = { name: nodeName, opType, inputs: [...inputs], outputs, attributes };
    types.slice(0, outputCount).forEach((type, index) => {
      const name = options.names?.[index] ?? this.generateName(`${nodeName}_${opType}`, index);
      outputs.push(this.createValue(name, type, node));
    });
    this.nodeList.push(node);
    return outputs;
  }

  /**
   * Marks `value` as a graph output named `name`. A node's output that is not yet a graph output takes the new name
   * in place; otherwise (inputs, initializers, a second name for one output) an Identity node carries the name,
   * which costs ORT a copy per run.
   */
  output(value: Value, name: string = value.name): Value {
    if (this.outputList.some((output) => output.name === name)) throw new Error(`graph "${this.name}": output "${name}" is already declared`);
    const isSourceValue = value.producer === null;
    if (isSourceValue && name === value.name) {
      throw new Error(`graph "${this.name}": "${name}" is an input or initializer; give its output another name`);
    }
    if (!isSourceValue && name !== value.name && !this.outputList.includes(value)) this.rename(value, name);
    const named = name === value.name ? value : (this.apply('Identity', [value], {}, { names: [name] })[0] as Value);
    this.outputList.push(named);
    return named;
  }

  /** A 1-D int64 tensor holding `shape` at run time; symbolic dims are read with Shape from a value that has them. */
  runtimeShape(shape: Shape): Value {
    if (isStaticShape(shape)) return this.int64s(shape);
    const pieces: Value[] = [];
    let numbers: number[] = [];
    const flushNumbers = (): void => {
      if (numbers.length > 0) pieces.push(this.int64s(numbers));
      numbers = [];
    };
    for (const dim of shape) {
      if (typeof dim === 'number') {
        numbers.push(dim);
        continue;
      }
      flushNumbers();
      pieces.push(this.runtimeDim(dim));
    }
    flushNumbers();
    return pieces.length === 1 ? (pieces[0] as Value) : (this.apply('Concat', pieces, { axis: { kind: 'int', value: 0 } })[0] as Value);
  }

  toModelProto(): ModelProto {
    const nodes = this.liveNodes();
    const used = new Set<Value>(this.outputList);
    for (const node of nodes) for (const input of node.inputs) if (input !== null) used.add(input);
    return {
      irVersion: this.irVersion,
      opsetImports: this.opsets,
      producerName: 'crucible',
      graph: {
        name: this.name,
        nodes: nodes.map(toNodeProto),
        initializers: this.initializerList.filter(({ value }) => used.has(value)).map(({ value, data }): TensorProto => ({
          name: value.name,
          dtype: value.dtype,
          dims: value.shape as number[],
          data,
        })),
        inputs: this.inputList.map(toValueInfo),
        outputs: this.outputList.map(toValueInfo),
      },
    };
  }

  /**
   * The nodes some output depends on, in order. ORT runs every node it is given, used or not, and a gradient rule
   * may build a value that a later rule folds into a cheaper form (autodiff/rules/reduce.ts, LogSoftmax), leaving
   * the first unused: such nodes, and initializers only they read, are not serialized.
   */
  private liveNodes(): GraphNode[] {
    const live = new Set<Value>(this.outputList);
    const kept: GraphNode[] = [];
    for (let index = this.nodeList.length - 1; index >= 0; index--) {
      const node = this.nodeList[index] as GraphNode;
      if (!node.outputs.some((output) => live.has(output))) continue;
      kept.push(node);
      for (const input of node.inputs) if (input !== null) live.add(input);
    }
    return kept.reverse();
  }

  toBytes(): Uint8Array {
    if (this.outputList.length === 0) throw new Error(`graph "${this.name}": has no outputs; call graph.output(value, name) first`);
    return encodeModel(this.toModelProto());
  }

  private runtimeDim(dim: string): Value {
    const source = this.dimSources.get(dim);
    if (source === undefined) {
      throw new Error(`graph "${this.name}": symbolic dim "${dim}" appears in no value yet, so its size cannot be read at run time`);
    }
    const attributes: Attributes = { start: { kind: 'int', value: source.axis }, end: { kind: 'int', value: source.axis + 1 } };
    return this.apply('Shape', [source.value], attributes)[0] as Value;
  }

  /** Node outputs are referenced by object until serialization, so a new name reaches every consumer. */
  private rename(value: Value, name: string): void {
    if (this.usedNames.has(name)) throw new Error(`graph "${this.name}": value name "${name}" is already used`);
    this.usedNames.delete(value.name);
    this.usedNames.add(name);
    (value as { name: string }).name = name;
  }

  private createValue(name: string, type: ValueType, producer: GraphNode | null): Value {
    if (this.usedNames.has(name)) throw new Error(`graph "${this.name}": value name "${name}" is already used`);
    if (name === '') throw new Error(`graph "${this.name}": value names must not be empty`);
    this.usedNames.add(name);
    const value: Value = { graph: this, name, dtype: type.dtype, shape: [...type.shape], producer, ...(type.known ? { known: type.known } : {}) };
    value.shape.forEach((dim: Dim, axis) => {
      if (typeof dim === 'string' && !this.dimSources.has(dim)) this.dimSources.set(dim, { value, axis });
    });
    return value;
  }

  private generateName(prefix: string, index?: number): string {
    let name = index === undefined ? `${prefix}_${this.generatedNameCount++}` : `${prefix}_${index}`;
    while (this.usedNames.has(name)) name = `${prefix}_${this.generatedNameCount++}`;
    return name;
  }
}

function toNodeProto(node: GraphNode): NodeProto {
  const inputs = node.inputs.map((input) => input?.name ?? '');
  while (inputs.length > 0 && inputs[inputs.length - 1] === '') inputs.pop();
  return {
    name: node.name,
    opType: node.opType,
    domain: domainOf(node.opType),
    inputs,
    outputs: node.outputs.map((output) => output.name),
    attributes: node.attributes,
  };
}

function toValueInfo(value: Value) {
  return { name: value.name, dtype: value.dtype, shape: value.shape };
}
