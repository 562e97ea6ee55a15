/** Register's validated input: email lower-cased, password 12–1024 characters, display name defaulted. */
export interface RegisterUserCommand {
  email: string;
  password: string;
  displayName: string;
}
