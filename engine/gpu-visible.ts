// Whether an NVIDIA GPU is usable on this machine, before any CUDA library is loaded: the kernel
// driver exposes /proc/driver/nvidia (and /dev/nvidia0 inside containers given the device).
import { existsSync } from 'node:fs';

export function nvidiaGpuVisible(): boolean {
  return existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0');
}
