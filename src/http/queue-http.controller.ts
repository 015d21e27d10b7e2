import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res, type Type } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpAnswer } from './queue-http-api.js';
import { QueueHttpApi } from './queue-http-api.js';

/** What the controller needs of the platform's response: Express's and Fastify's both have `status(code)`. */
interface StatusSetter {
  status(code: number): unknown;
}

/**
 * The Nest controller of the HTTP API at `path`: a class made per module (a route prefix is fixed when a controller
 * class is declared). Every route hands the request to QueueHttpApi and writes its answer's status and body.
 */
export function queueHttpController(path: string): Type<unknown> {
  @Controller(path)
  class QueueHttpController {
    constructor(@Inject(QueueHttpApi) private readonly api: QueueHttpApi) {}

    @Post('add')
    @HttpCode(201)
    async add(@Headers() headers: IncomingHttpHeaders, @Body() body: unknown, @Res({ passthrough: true }) res: StatusSetter): Promise<unknown> {
      return send(res, this.api.tooLarge(headers['content-length']) ?? (await this.api.add(headers, body)));
    }

    @Post('add-batch')
    @HttpCode(201)
    async addBatch(@Headers() headers: IncomingHttpHeaders, @Body() body: unknown, @Res({ passthrough: true }) res: StatusSetter): Promise<unknown> {
      return send(res, this.api.tooLarge(headers['content-length']) ?? (await this.api.addBatch(headers, body)));
    }

    @Get('openapi.json')
    openApi(@Res({ passthrough: true }) res: StatusSetter): unknown {
      return send(res, this.api.openApi());
    }

    @Get('jobs/:id')
    async job(@Headers() headers: IncomingHttpHeaders, @Param('id') id: string, @Res({ passthrough: true }) res: StatusSetter): Promise<unknown> {
      return send(res, await this.api.job(headers, id));
    }

    @Get('jobs/:id/result')
    async result(
      @Headers() headers: IncomingHttpHeaders,
      @Param('id') id: string,
      @Query('wait') wait: unknown,
      @Res({ passthrough: true }) res: StatusSetter,
    ): Promise<unknown> {
      return send(res, await this.api.result(headers, id, wait));
    }
  }
  return QueueHttpController;
}

function send(res: StatusSetter, answer: HttpAnswer): unknown {
  res.status(answer.status);
  return answer.body;
}
