import { Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ApiError } from '../errors.js';

const ajv = new Ajv({ allErrors: false, strict: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

export type Schema<T> = JSONSchemaType<T>;

function describe(e: ErrorObject): ApiError {
  if (e.keyword === 'additionalProperties') {
    const field = String((e.params as { additionalProperty?: string }).additionalProperty);
    return new ApiError('unknown_field', `Unknown field "${field}" is not allowed`);
  }
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
  if (e.keyword === 'required') {
    const field = String((e.params as { missingProperty?: string }).missingProperty);
    return new ApiError('validation_failed', `Field "${field}" is required`);
  }
  return new ApiError('validation_failed', `Field "${path}" ${e.message ?? 'is not valid'}`);
}

/** Compiles a schema once; the returned function throws a 400 naming the field. */
export function validator<T>(schema: JSONSchemaType<T>): (body: unknown) => T {
  const fn: ValidateFunction<T> = ajv.compile(schema);
  return (body) => {
    if (fn(body)) return body;
    const first = fn.errors?.[0];
    throw first ? describe(first) : new ApiError('validation_failed');
  };
}
