// Serializes the ModelProto mirror to ONNX protobuf bytes that InferenceSession.create accepts.
// Field numbers come from onnx/onnx.proto; tensors are always written as little-endian raw_data.

import { ONNX_DATA_TYPE } from './data-types.ts';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './model-proto.ts';
import { ProtoWriter } from './protobuf-writer.ts';

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

export function encodeModel(model: ModelProto): Uint8Array {
  const writer = new ProtoWriter();
  writer.varintField(1, model.irVersion);
  writer.stringField(2, model.producerName);
  if (model.producerVersion !== undefined) writer.stringField(3, model.producerVersion);
  writer.messageField(7, (graph) => writeGraph(graph, model.graph));
  for (const opset of model.opsetImports) {
    writer.messageField(8, (entry) => {
      entry.stringField(1, opset.domain);
      entry.varintField(2, opset.version);
    });
  }
  return writer.finish();
}

function writeGraph(writer: ProtoWriter, graph: GraphProto): void {
  for (const node of graph.nodes) writer.messageField(1, (entry) => writeNode(entry, node));
  writer.stringField(2, graph.name);
  for (const tensor of graph.initializers) writer.messageField(5, (entry) => writeTensor(entry, tensor));
  for (const input of graph.inputs) writer.messageField(11, (entry) => writeValueInfo(entry, input));
  for (const output of graph.outputs) writer.messageField(12, (entry) => writeValueInfo(entry, output));
  for (const info of graph.valueInfos ?? []) writer.messageField(13, (entry) => writeValueInfo(entry, info));
}

function writeNode(writer: ProtoWriter, node: NodeProto): void {
  for (const input of node.inputs) writer.stringField(1, input);
  for (const output of node.outputs) writer.stringField(2, output);
  writer.stringField(3, node.name);
  writer.stringField(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes)) {
    writer.messageField(5, (entry) => writeAttribute(entry, name, attribute));
  }
  if (node.domain !== '') writer.stringField(7, node.domain);
}

function writeAttribute(writer: ProtoWriter, name: string, attribute: AttributeProto): void {
  writer.stringField(1, name);
  writer.varintField(20, ATTRIBUTE_TYPE[attribute.kind]);
  switch (attribute.kind) {
    case 'float':
      writer.floatField(2, attribute.value);
      return;
    case 'int':
      writer.varintField(3, attribute.value);
      return;
    case 'string':
      writer.stringField(4, attribute.value);
      return;
    case 'tensor':
      writer.messageField(5, (entry) => writeTensor(entry, attribute.value));
      return;
    case 'floats':
      writer.packedFloatField(7, attribute.value);
      return;
    case 'ints':
      writer.packedVarintField(8, attribute.value);
      return;
  }
}

function writeTensor(writer: ProtoWriter, tensor: TensorProto): void {
  const elementCount = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (tensor.data.length !== elementCount) {
    throw new Error(
      `tensor "${tensor.name}": dims [${tensor.dims.join(',')}] hold ${elementCount} elements but the data has ${tensor.data.length}`,
    );
  }
  writer.packedVarintField(1, tensor.dims);
  writer.varintField(2, ONNX_DATA_TYPE[tensor.dtype]);
  writer.stringField(8, tensor.name);
  writer.bytesField(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

function writeValueInfo(writer: ProtoWriter, info: ValueInfoProto): void {
  writer.stringField(1, info.name);
  writer.messageField(2, (type) => {
    type.messageField(1, (tensorType) => {
      tensorType.varintField(1, ONNX_DATA_TYPE[info.dtype]);
      tensorType.messageField(2, (shape) => {
        for (const dim of info.shape) {
          shape.messageField(1, (entry) => {
            if (typeof dim === 'number') entry.varintField(1, dim);
            else entry.stringField(2, dim);
          });
        }
      });
    });
  });
}
