/** Login's validated input (email lower-cased). */
export interface LoginCommand {
  email: string;
  password: string;
}
