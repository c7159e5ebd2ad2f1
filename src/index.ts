export { defineConfig } from './config/define'
export { secret, type SecretRef } from './config/secret'
export type { LambdaConfig, FunctionConfig, ScheduleConfig, DevConfig, BuildConfig, DeployConfig, LambdaOptions, ResolvedFunction } from './config/types'
export type { FunctionContext, WebHandler, HttpApiEvent, HttpApiResult, LambdaContext, LambdaCallback, LambdaHandler } from './function-types'
