export { defineConfig } from './config/define'
export { secret, type SecretRef } from './config/secret'
export type { BuildConfig, DeployConfig, DevConfig, FunctionConfig, LambdaConfig, LambdaOptions, ResolvedFunction, ScheduleConfig } from './config/types'
export type { FunctionContext, HttpApiEvent, HttpApiResult, LambdaCallback, LambdaContext, LambdaHandler, WebHandler } from './function-types'
