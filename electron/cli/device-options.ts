/** `--device` and `--precision`, shared by the commands that run a model. */
import { DeviceUnavailableError, PRECISIONS, parseDevice, parsePrecision, type Device, type Precision } from '../engine/tensor/device.js';
import type { OptionSpec } from './command.js';
import { UsageError } from './errors.js';

export const DEVICE_OPTION: OptionSpec = {
  name: 'device',
  type: 'string',
  value: 'name',
  description: 'where to run: cpu (default), cuda or cuda:N (see `strata devices`)',
};

export const PRECISION_OPTION: OptionSpec = {
  name: 'precision',
  type: 'string',
  value: 'name',
  description: `matrix products on a GPU: ${PRECISIONS.join(', ')} (default float32; tf32 and bf16 use tensor cores, weights stay float32)`,
};

export function deviceOptions(options: Record<string, string | boolean | undefined>, command: string): { device: Device; precision: Precision } {
  try {
    return {
      device: options.device === undefined ? 'cpu' : parseDevice(options.device, '--device'),
      precision: options.precision === undefined ? 'float32' : parsePrecision(options.precision, '--precision'),
    };
  } catch (error) {
    if (error instanceof DeviceUnavailableError) throw new UsageError(error.message, command);
    throw error;
  }
}
