import { IsEmail, IsOptional, IsString, Length } from 'class-validator';

/**
 * The payload of `email.send`. Because the handler's first parameter is typed with this class, Jobline checks
 * every payload against these rules: at enqueue (this process knows the handler) and again before the handler runs.
 */
export class SendEmailDto {
  @IsEmail()
  to!: string;

  @IsString()
  @Length(1, 80)
  subject!: string;

  @IsOptional()
  @IsString()
  body?: string;
}
