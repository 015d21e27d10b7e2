import { IsEmail, IsInt, Min } from 'class-validator';

/** A payload class with class-validator rules, shared by the tests of payload validation. */
export class SignupDto {
  @IsEmail()
  email!: string;

  @IsInt()
  @Min(18)
  age!: number;
}
