import { passwordProblem } from '../../auth/passwords.js';
import { ApiError } from '../../errors.js';

/** Refuses a password too short or too common, with the reason (register, accepting an invite). */
export function checkNewPassword(password: string): void {
  const p = passwordProblem(password);
  if (p) throw new ApiError('weak_password', p);
}
