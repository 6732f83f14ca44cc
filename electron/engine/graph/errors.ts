/**
 * Errors a person sees when a model is wrong. Messages follow Keras' wording so that
 * answers found for Keras apply here too: say what was expected, what was received, and where.
 */
export class StrataError extends Error {
  /** The layer the error is about, when there is one (the studio marks its node). */
  layerName?: string;
  constructor(message: string, layerName?: string) {
    super(message);
    this.name = new.target.name;
    if (layerName !== undefined) this.layerName = layerName;
  }
}

/** A value is of the right type but unusable: a bad shape, an unknown option. Keras' ValueError. */
export class ValueError extends StrataError {}

/** A value of the wrong kind entirely. Keras' TypeError. */
export class TypeError_ extends StrataError {
  constructor(message: string, layerName?: string) {
    super(message, layerName);
    this.name = 'TypeError';
  }
}
