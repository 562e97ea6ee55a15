// models.v1.ModelRegistryService over gRPC: validate the request, run the use case, map the result. Failures
// become statuses in GrpcErrorFilter (the one place).
import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { models } from '@neuroforge/contracts';
import { GrpcErrorFilter } from '@neuroforge/service-kit';
import { CreateModelHandler } from '../../application/create-model/create-model.handler';
import { DeleteModelHandler } from '../../application/delete-model/delete-model.handler';
import { GetModelHandler } from '../../application/get-model/get-model.handler';
import { GetVersionHandler } from '../../application/get-version/get-version.handler';
import { ListModelsHandler } from '../../application/list-models/list-models.handler';
import { RegisterVersionHandler } from '../../application/register-version/register-version.handler';
import { ResolveAliasHandler } from '../../application/resolve-alias/resolve-alias.handler';
import { SetAliasHandler } from '../../application/set-alias/set-alias.handler';
import { UpdateModelHandler } from '../../application/update-model/update-model.handler';
import type { ModelSnapshot } from '../../domain/model.history';
import { readableModel, versionOf } from '../../domain/model.queries';
import { modelFromListing, modelFromSnapshot, modelVersion, servedVersion } from './model.mapper';
import {
  createModelCommand,
  encodePageToken,
  listModelsQuery,
  modelName,
  registerVersionCommand,
  resolveAliasQuery,
  setAliasCommand,
  updateModelCommand,
  versionRef,
} from './request-validation';

/** Request metadata: the caller's user id (set by the gateway) and the opt-in full artifact re-hash. */
export const USER_ID_METADATA = 'neuroforge-user-id';
export const VERIFY_METADATA = 'neuroforge-verify-artifacts';

function metadataText(metadata: Metadata | undefined, key: string): string {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' ? value : '';
}

function fullVerification(metadata: Metadata | undefined): boolean {
  return metadataText(metadata, VERIFY_METADATA) === 'full';
}

function model(snapshot: ModelSnapshot, name: string): models.Model {
  return modelFromSnapshot(snapshot, readableModel(snapshot.state, name, true));
}

@Controller()
@UseFilters(GrpcErrorFilter)
@models.ModelRegistryServiceControllerMethods()
export class ModelsGrpcController implements models.ModelRegistryServiceController {
  constructor(
    @Inject(CreateModelHandler) private readonly createModelHandler: CreateModelHandler,
    @Inject(GetModelHandler) private readonly getModelHandler: GetModelHandler,
    @Inject(ListModelsHandler) private readonly listModelsHandler: ListModelsHandler,
    @Inject(UpdateModelHandler) private readonly updateModelHandler: UpdateModelHandler,
    @Inject(DeleteModelHandler) private readonly deleteModelHandler: DeleteModelHandler,
    @Inject(RegisterVersionHandler) private readonly registerVersionHandler: RegisterVersionHandler,
    @Inject(GetVersionHandler) private readonly getVersionHandler: GetVersionHandler,
    @Inject(SetAliasHandler) private readonly setAliasHandler: SetAliasHandler,
    @Inject(ResolveAliasHandler) private readonly resolveAliasHandler: ResolveAliasHandler,
  ) {}

  async createModel(request: models.CreateModelRequest, metadata?: Metadata): Promise<models.CreateModelResponse> {
    const command = createModelCommand(request, metadataText(metadata, USER_ID_METADATA));
    return { model: model(await this.createModelHandler.execute(command), command.name) };
  }

  async getModel(request: models.GetModelRequest): Promise<models.GetModelResponse> {
    const name = modelName(request);
    const snapshot = await this.getModelHandler.execute({ name, includeDeleted: request.includeDeleted });
    return { model: model(snapshot, name) };
  }

  async listModels(request: models.ListModelsRequest): Promise<models.ListModelsResponse> {
    const page = await this.listModelsHandler.execute(listModelsQuery(request));
    return {
      models: page.models.map(modelFromListing),
      nextPageToken: page.nextAfterName === undefined ? '' : encodePageToken(page.nextAfterName),
    };
  }

  async updateModel(request: models.UpdateModelRequest): Promise<models.UpdateModelResponse> {
    const command = updateModelCommand(request);
    return { model: model(await this.updateModelHandler.execute(command), command.name) };
  }

  async deleteModel(request: models.DeleteModelRequest): Promise<models.DeleteModelResponse> {
    const name = modelName(request);
    return { model: model(await this.deleteModelHandler.execute({ name }), name) };
  }

  async registerVersion(request: models.RegisterVersionRequest): Promise<models.RegisterVersionResponse> {
    const command = registerVersionCommand(request);
    const { snapshot, version } = await this.registerVersionHandler.execute(command);
    const registered = readableModel(snapshot.state, command.modelName);
    return { version: modelVersion(snapshot, registered, versionOf(registered, version)) };
  }

  async getVersion(request: models.GetVersionRequest, metadata?: Metadata): Promise<models.GetVersionResponse> {
    const ref = versionRef(request);
    const served = await this.getVersionHandler.execute({ ...ref, fullVerification: fullVerification(metadata) });
    return { version: servedVersion(served) };
  }

  async setAlias(request: models.SetAliasRequest): Promise<models.SetAliasResponse> {
    const result = await this.setAliasHandler.execute(setAliasCommand(request));
    return {
      modelName: request.modelName,
      alias: request.alias,
      version: result.version,
      ...(result.previousVersion === undefined ? {} : { previousVersion: result.previousVersion }),
    };
  }

  async resolveAlias(request: models.ResolveAliasRequest, metadata?: Metadata): Promise<models.ResolveAliasResponse> {
    const query = resolveAliasQuery(request);
    const served = await this.resolveAliasHandler.execute({ ...query, fullVerification: fullVerification(metadata) });
    return { version: servedVersion(served) };
  }
}
